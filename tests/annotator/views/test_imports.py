"""The Import page and the import report, through HTTP on a real database."""

import io
import zipfile

import pytest
from django.test import Client

from annotator.jobkinds import IMPORT
from annotator.models import Clip, Job
from annotator.services.dataset_jobs import dataset_import_job
from tests.annotator.datasets import fixtures


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def zipped(folder) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, path.relative_to(folder).as_posix())
    buffer.seek(0)
    buffer.name = "casme2.zip"
    return buffer


@pytest.mark.django_db
def test_only_a_lead_sees_the_import_page(project, lead, coder):
    assert client_for(coder).get(f"/projects/{project.pk}/import/").status_code == 403
    page = client_for(lead).get(f"/projects/{project.pk}/import/")
    assert page.status_code == 200 and b'value="casme2"' in page.content
    assert b"import-link" in client_for(lead).get(f"/projects/{project.pk}/").content
    assert b"import-link" not in client_for(coder).get(f"/projects/{project.pk}/").content


@pytest.mark.django_db
def test_an_uploaded_archive_becomes_a_job_and_its_report(project, lead, coder, tmp_path):
    client = client_for(lead)
    response = client.post(f"/projects/{project.pk}/import/",
                           {"format": "casme2", "archive": zipped(fixtures.casme2(tmp_path / "src"))})
    assert response.status_code == 302
    job = Job.objects.get(kind=IMPORT)
    assert response["Location"] == f"/projects/{project.pk}/imports/{job.pk}/"
    dataset_import_job(job_id=job.pk)
    page = client.get(response["Location"])
    assert page.status_code == 200 and b"offset 2 comes before onset 5" in page.content
    data = client.get(f"/projects/{project.pk}/imports/{job.pk}.json").json()
    assert data["status"] == "succeeded" and data["report"]["summary"]["rows_skipped"] == 3
    assert client_for(coder).get(f"/projects/{project.pk}/imports/{job.pk}.json").status_code == 403
    assert Clip.objects.filter(project=project).count() == 2


@pytest.mark.django_db
def test_a_server_folder_is_picked_from_the_listing_and_never_typed(project, lead, tmp_path, settings):
    root = tmp_path / "datasets"
    fixtures.casme2(root / "casme2")
    (root / "escape").symlink_to(tmp_path.parent)
    settings.MESTUDIO_IMPORT_ROOTS = [str(root)]
    client = client_for(lead)
    page = client.get(f"/projects/{project.pk}/import/")
    assert b'value="0:casme2"' in page.content and b"escape" not in page.content
    for typed in ("0:../../etc", "/etc", "0:escape", "1:casme2"):
        refused = client.post(f"/projects/{project.pk}/import/", {"format": "casme2", "folder": typed})
        assert refused.status_code == 400
    assert not Job.objects.exists()
    response = client.post(f"/projects/{project.pk}/import/", {"format": "casme2", "folder": "0:casme2"})
    assert response.status_code == 302
    job = dataset_import_job(job_id=Job.objects.get().pk)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert Clip.objects.filter(project=project, dataset="CASME II").count() == 2


@pytest.mark.django_db
def test_a_dry_run_from_the_page_reports_and_imports_nothing(project, lead, tmp_path):
    client = client_for(lead)
    client.post(f"/projects/{project.pk}/import/",
                {"format": "casme2", "dry_run": "on", "archive": zipped(fixtures.casme2(tmp_path / "src"))})
    job = dataset_import_job(job_id=Job.objects.get().pk)
    assert job.status == Job.Status.SUCCEEDED and job.import_report.dry_run
    assert job.import_report.summary["rows_imported"] == 5 and not Clip.objects.exists()


@pytest.mark.django_db
def test_the_workspace_hands_the_dataset_frame_numbers_to_the_viewer(project, lead, tmp_path):
    from annotator.services.datasets import dataset_import

    dataset_import(project=project, format="casme2", root=fixtures.casme2(tmp_path / "src"), align=False)
    clip = Clip.objects.get(name="EP02_01f")
    page = client_for(lead).get(f"/clips/{clip.pk}/")
    assert page.status_code == 200
    assert page.context["config"]["frameNumbers"] == list(range(46, 54))
    assert "CASME II frames 46–53" in page.content.decode()


@pytest.mark.django_db
def test_the_job_checks_the_picked_folder_again_when_it_runs(project, lead, tmp_path, settings):
    root = tmp_path / "datasets"
    fixtures.casme2(root / "casme2")
    settings.MESTUDIO_IMPORT_ROOTS = [str(root)]
    client_for(lead).post(f"/projects/{project.pk}/import/", {"format": "casme2", "folder": "0:casme2"})
    settings.MESTUDIO_IMPORT_ROOTS = []  # the administrator removed the root in between
    job = dataset_import_job(job_id=Job.objects.get().pk)
    assert job.status == Job.Status.FAILED and not Clip.objects.exists()
