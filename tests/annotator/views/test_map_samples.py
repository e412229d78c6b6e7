"""Map samples through HTTP: the Import page's map form, the report, the project's Map samples list."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotator.models import Clip, Job
from annotator.services.dataset_jobs import dataset_import_job
from tests.annotator.datasets import map_fixtures
from tests.annotator.views.test_imports import client_for, zipped


def labels_upload(path, name="labels.csv"):
    return SimpleUploadedFile(name, path.read_bytes(), content_type="text/csv")


@pytest.mark.django_db
def test_a_map_archive_and_csv_from_the_import_page_become_a_job_samples_and_a_report(project, lead, coder,
                                                                                       outsider, tmp_path, settings):
    images, labels, rows = map_fixtures.map_set(tmp_path / "src")
    (images / "smic" / "s02_s02_ne_01.png").unlink()
    client = client_for(lead)
    page = client.get(f"/projects/{project.pk}/import/")
    assert b'id="map-import-form"' in page.content
    response = client.post(f"/projects/{project.pk}/import/", {
        "map_kind": "maps", "archive": zipped(images), "labels": labels_upload(labels),
        "label_names": "negative,positive,surprise"})
    assert response.status_code == 302, response.content[:2000]
    job = dataset_import_job(job_id=Job.objects.get(kind="import").pk)
    assert job.status == Job.Status.SUCCEEDED, job.error
    report = client.get(response["Location"])
    assert b"no image named &#x27;s02_s02_ne_01&#x27;" in report.content
    assert b"casme2 9, samm 9, smic 8" in report.content
    assert not list((Path(settings.MEDIA_ROOT) / "imports" / "uploads").iterdir())  # archive and CSV removed
    project_page = client_for(coder).get(f"/projects/{project.pk}/")
    assert b'id="map-samples"' in project_page.content and b'data-dataset="samm"' in project_page.content
    clip = Clip.objects.get(subject__code="samm-006", name="006_1_2")
    thumb = f"/api/clips/{clip.pk}/frames/0.jpg"
    assert thumb.encode() in project_page.content
    assert f'data-clip="{clip.pk}" class="status'.encode() not in project_page.content  # not in the clip table
    image = client_for(coder).get(thumb)
    assert image.status_code == 200 and b"".join(image.streaming_content if image.streaming else [image.content])[:2] \
        == b"\xff\xd8"
    assert client_for(outsider).get(thumb).status_code in (403, 404)
    workspace = client_for(coder).get(reverse("workspace", args=[clip.pk]))
    assert workspace.status_code == 200  # a map sample opens as a one-frame clip: its image is frame 0


@pytest.mark.django_db
def test_the_map_form_wants_its_label_csv(project, lead, tmp_path):
    images, labels, rows = map_fixtures.map_set(tmp_path / "src")
    client = client_for(lead)
    missing = client.post(f"/projects/{project.pk}/import/", {"map_kind": "maps", "archive": zipped(images),
                                                             "label_names": "negative"})
    assert missing.status_code == 400
    wrong = client.post(f"/projects/{project.pk}/import/", {
        "map_kind": "maps", "archive": zipped(images), "labels": labels_upload(labels, "labels.xlsx"),
        "label_names": "negative"})
    assert wrong.status_code == 400 and b"must be a .csv" in wrong.content
    assert not Job.objects.exists()
