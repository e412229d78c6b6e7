"""The per-user upload rate: one history for the API and the upload form, per user."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotator.models import Clip
from tests.conftest import api_client_for


def limit_rate(settings, rate: str) -> None:
    settings.MESTUDIO_INGEST = {**settings.MESTUDIO_INGEST, "UPLOAD_RATE": rate}


def api_upload(client, project, video_bytes):
    return client.post(f"/api/projects/{project.pk}/clips/",
                       {"subject": "S01", "files": [SimpleUploadedFile("take.mp4", video_bytes)]}, format="multipart")


def form_upload(client, project, video_bytes):
    return client.post(f"/projects/{project.pk}/upload/",
                       {"subject": "S01", "files": SimpleUploadedFile("take.mp4", video_bytes)}, HTTP_HX_REQUEST="true")


@pytest.fixture
def video_bytes(sample_dir) -> bytes:
    return (sample_dir / "single_face.mp4").read_bytes()


@pytest.mark.django_db
def test_the_api_answers_429_past_the_rate_and_stores_nothing(settings, coder_api, project, video_bytes):
    limit_rate(settings, "2/hour")
    assert [api_upload(coder_api, project, video_bytes).status_code for _ in range(2)] == [202, 202]
    refused = api_upload(coder_api, project, video_bytes)
    assert refused.status_code == 429
    assert "throttled" in refused.json()["detail"].lower()
    assert int(refused["Retry-After"]) > 0
    assert Clip.objects.count() == 2
    assert coder_api.get(f"/api/projects/{project.pk}/clips/").status_code == 200  # reading is not throttled


@pytest.mark.django_db
def test_the_form_and_the_api_share_one_history_per_user(settings, coder, coder_api, other_coder, project,
                                                        video_bytes, client):
    limit_rate(settings, "2/hour")
    client.force_login(coder)
    assert form_upload(client, project, video_bytes).status_code == 200
    assert api_upload(coder_api, project, video_bytes).status_code == 202
    page = form_upload(client, project, video_bytes)
    assert page.status_code == 429
    assert "Too many uploads: this server takes 2/hour per user." in page.content.decode()
    assert api_upload(coder_api, project, video_bytes).status_code == 429
    assert Clip.objects.count() == 2

    # Another user has a history of their own.
    assert api_upload(api_client_for(other_coder), project, video_bytes).status_code == 202
