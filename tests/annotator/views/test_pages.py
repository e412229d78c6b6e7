"""Server-rendered pages: login required, 404 across projects, and upload errors shown as HTML, never a 500."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotator.models import Clip, Job


def upload(client, project, **data):
    return client.post(f"/projects/{project.pk}/upload/", data, HTTP_HX_REQUEST="true")


@pytest.fixture
def coder_client(client, coder):
    client.force_login(coder)
    return client


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_login(client, ready_clip):
    for url in ("/", f"/projects/{ready_clip.project_id}/", f"/clips/{ready_clip.pk}/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/login/?next={url}"


@pytest.mark.django_db
def test_logging_in_leads_to_the_projects(client, project):
    response = client.post("/login/", {"username": "coder", "password": "coder-pass-123"})
    assert response.status_code == 302
    home = client.get(response["Location"])
    assert home.status_code == 200
    assert project.name in home.content.decode()


@pytest.mark.django_db
def test_a_member_sees_the_project_and_its_clips(coder_client, ready_clip):
    page = coder_client.get(f"/projects/{ready_clip.project_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert ready_clip.name in html
    assert f'href="/clips/{ready_clip.pk}/"' in html
    assert 'id="upload-form"' in html  # coders may upload
    assert coder_client.get(f"/clips/{ready_clip.pk}/").status_code == 200


@pytest.mark.django_db
def test_a_viewer_gets_no_upload_form_and_cannot_post_one(client, viewer, project, sample_dir):
    client.force_login(viewer)
    assert 'id="upload-form"' not in client.get(f"/projects/{project.pk}/").content.decode()
    with open(sample_dir / "single_face.mp4", "rb") as video:
        assert upload(client, project, subject="S01", files=video).status_code == 403
    assert not Clip.objects.exists()


@pytest.mark.django_db
def test_a_good_upload_queues_a_clip(coder_client, project, sample_dir):
    with open(sample_dir / "single_face.mp4", "rb") as video:
        response = upload(coder_client, project, subject="S03", files=video)
    assert response.status_code == 200
    assert "1 clip(s) queued for ingest." in response.content.decode()
    clip = Clip.objects.get()
    assert (clip.name, clip.subject.code, clip.status) == ("single_face.mp4", "S03", Clip.Status.PENDING)
    assert Job.objects.get(clip=clip).status == Job.Status.QUEUED


BAD_UPLOADS = [
    pytest.param({"subject": "S01"}, "Choose video or image files", id="no-files"),
    pytest.param({"subject": "Jane Doe", "files": "video"}, "pseudonym", id="subject-looks-like-a-name"),
    pytest.param({"subject": "", "files": "video"}, "This field is required", id="no-subject"),
    pytest.param({"subject": "S01", "files": "video", "fps": "0"}, "greater than or equal to 1", id="fps-zero"),
    pytest.param({"subject": "S01", "files": "video", "as_frame_folder": "on"}, "A frame folder takes only",
                 id="video-as-frame-folder"),
    pytest.param({"subject": "S01", "files": "empty"}, "The submitted file is empty", id="empty-file"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "message"), BAD_UPLOADS)
def test_bad_uploads_answer_400_with_the_message_in_html(data, message, coder_client, project, sample_dir):
    files = {
        "video": SimpleUploadedFile("take.mp4", (sample_dir / "single_face.mp4").read_bytes()),
        "empty": SimpleUploadedFile("empty.mp4", b""),
    }
    data = {k: files[v] if k == "files" else v for k, v in data.items()}
    response = upload(coder_client, project, **data)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert message in response.content.decode()
    assert 'class="error"' in response.content.decode()
    assert not Clip.objects.exists()


@pytest.mark.django_db
def test_clip_names_are_escaped_in_the_clip_table(coder_client, project, import_clip, sample_dir, tmp_path):
    hostile = tmp_path / 'take\n<img src=x onerror="alert(1)">.mp4'
    hostile.write_bytes((sample_dir / "single_face.mp4").read_bytes())
    clip = import_clip(hostile)
    assert clip.name == 'take<img src=x onerror="alert(1)">.mp4'  # the newline is dropped, the rest is text
    assert clip.status == Clip.Status.READY, clip.error
    for url in (f"/projects/{project.pk}/", f"/projects/{project.pk}/clips/"):
        html = coder_client.get(url).content.decode()
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


@pytest.mark.django_db
def test_subject_form_errors_are_shown(client, lead, project):
    client.force_login(lead)
    response = client.post(f"/projects/{project.pk}/subjects/", {"code": "Erika Mustermann"})
    assert response.status_code == 400
    assert "pseudonym" in response.content.decode()
    ok = client.post(f"/projects/{project.pk}/subjects/", {"code": "S09"})
    assert ok.status_code == 200
    assert "S09" in ok.content.decode()
    duplicate = client.post(f"/projects/{project.pk}/subjects/", {"code": "S09"})
    assert duplicate.status_code == 400
    assert "already exists" in duplicate.content.decode()


@pytest.mark.django_db
def test_retry_queues_a_new_ingest_for_a_failed_clip(client, lead, import_clip, tmp_path):
    path = tmp_path / "bad.mp4"
    path.write_text("not a video")
    clip = import_clip(path)
    assert clip.status == Clip.Status.FAILED
    client.force_login(lead)
    response = client.post(f"/clips/{clip.pk}/retry/")
    assert response.status_code == 200
    clip.refresh_from_db()
    assert (clip.status, clip.error) == (Clip.Status.PENDING, "")
    assert Job.objects.filter(clip=clip, status=Job.Status.QUEUED).count() == 1
