"""Exports through the service, the page and the command: consent, pseudonyms, atomic files, the log."""

import logging
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from openpyxl import load_workbook

from annotator.exports import formats
from annotator.models import Clip, CodingEvent, Export, Job, Membership
from annotator.services.exports import export_create, export_path
from annotator.services.projects import subject_create
from tests.conftest import make_user


def dataset_clip(project, subject, name="EP02_01f", first=46, n=60, dataset="CASME II"):
    return Clip.objects.create(project=project, subject=subject, name=name, source=name, dataset=dataset,
                               frame_numbers=list(range(first, first + n)), fps=200.0, frame_count=n,
                               status=Clip.Status.READY, source_kind=Clip.SourceKind.FRAMES)


def code(clip, coder, onset, apex, offset, emotion="happiness", status="reviewed", aus=None):
    return CodingEvent.objects.create(clip=clip, coder=coder, onset=onset, apex=apex, offset=offset, emotion=emotion,
                                      status=status, aus=aus or [{"number": 12, "side": "R", "intensity": "B"}])


@pytest.fixture
def coded(project, lead, coder):
    coder.email = "jane.doe@example.org"
    coder.save()
    consenting = subject_create(project=project, code="sub01", consent_given=True, consent_date=date(2024, 1, 5))
    refusing = subject_create(project=project, code="sub02")
    one = dataset_clip(project, consenting)
    two = dataset_clip(project, refusing, name="EP03_02", first=100)
    code(one, coder, 0, 13, 40)
    code(one, coder, 5, None, 20, emotion="disgust", status="submitted")
    code(one, lead, 2, 10, 30, emotion="surprise", status="draft")
    code(two, coder, 1, 2, 3)
    return one, two


def test_export_writes_dataset_numbers_pseudonyms_and_only_consenting_subjects(project, lead, coder, coded):
    export = export_create(project=project, user=lead, format="casme2_xlsx")
    assert export.status == Export.Status.READY and export.row_count == 1
    assert export.subjects_excluded == ["sub02"] and export.created_by == lead
    assert export.filters == {"status": "reviewed"}
    sheet = load_workbook(export_path(export)).worksheets[0]
    assert [c.value for c in sheet[2]] == ["CASME II", "sub01", "EP02_01f", 46, 59, 86, "R12B", "happiness", "micro",
                                           f"C{coder.pk}", "reviewed"]
    text = export_path(export_create(project=project, user=lead, format="labelstudio",
                                     filters={"status": "all"})).read_text()
    assert f'"completed_by": "C{lead.pk}"' in text
    for secret in ("coder", "jane", "example.org", '"lead"', "sub02"):
        assert secret not in text


def test_status_coder_subject_and_dataset_filters(project, lead, coder, coded):
    def count(**filters):
        return export_create(project=project, user=lead, format="casme2_csv", filters=filters).row_count

    assert count(status="submitted") == 2
    assert count(status="all") == 3
    assert count(status="all", coder="lead") == 1
    assert count(status="all", subject="sub02") == 0  # no consent recorded
    assert count(dataset="SAMM") == 0
    with pytest.raises(ValidationError):
        export_create(project=project, user=lead, format="casme2_csv", filters={"status": "maybe"})
    with pytest.raises(ValidationError):
        export_create(project=project, user=lead, format="pdf")


def test_consent_override_is_lead_only_needs_a_reason_and_is_logged(project, lead, reviewer, coded, caplog):
    with pytest.raises(PermissionDenied):
        export_create(project=project, user=reviewer, format="casme2_csv", consent_override="ethics board ok 2024/17")
    with pytest.raises(ValidationError):
        export_create(project=project, user=lead, format="casme2_csv", consent_override="ok")
    with caplog.at_level(logging.WARNING, logger="mestudio.exports"):
        export = export_create(project=project, user=lead, format="casme2_csv", filters={"status": "all"},
                               consent_override="Ethics board approval 2024/17 covers archived sessions")
    assert export.row_count == 4 and export.consent_override.startswith("Ethics board")
    assert export.filters["included_without_consent"] == ["sub02"]
    assert "sub02" in caplog.text and "Ethics board approval" in caplog.text


def test_coders_and_viewers_neither_export_nor_download(project, lead, coder, viewer, reviewer, coded, client):
    with pytest.raises(PermissionDenied):
        export_create(project=project, user=coder, format="casme2_csv")
    export = export_create(project=project, user=reviewer, format="casme2_csv")
    url = f"/exports/{export.pk}/file/"
    for user, status in ((coder, 403), (viewer, 403), (make_user("stranger"), 404)):
        client.force_login(user)
        assert client.get(url).status_code == status
    client.logout()
    assert client.get(url).status_code in (302, 401, 403)
    client.force_login(lead)
    response = client.get(url)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert f"mestudio-export-{export.pk}.csv" in response["Content-Disposition"]
    assert b"EP02_01f" in b"".join(response.streaming_content)


def test_project_page_starts_and_lists_exports(project, lead, coded, client):
    client.force_login(lead)
    response = client.post(f"/projects/{project.pk}/exports/", {"format": "labelstudio", "status": "reviewed"})
    assert response.status_code == 200 and b"is ready: 1 rows" in response.content
    page = client.get(f"/projects/{project.pk}/")
    assert b"labelstudio" in page.content and b"/file/" in page.content


def test_atomic_write_leaves_no_partial_file_and_no_temp_file(project, lead, coded, monkeypatch):
    good = export_create(project=project, user=lead, format="megc_spotting")
    folder = export_path(good).parent
    assert sorted(p.name for p in folder.iterdir()) == [f"{good.pk}.csv"]

    def half_then_crash(rows, path):
        Path(path).write_text("dataset,sub\nCASME II,")
        raise OSError("disk full")

    monkeypatch.setitem(formats.FORMATS, "megc_spotting",
                        formats.FORMATS["megc_spotting"].__class__(**{**formats.FORMATS["megc_spotting"].__dict__,
                                                                      "write": half_then_crash}))
    failed = export_create(project=project, user=lead, format="megc_spotting")
    assert failed.status == Export.Status.FAILED and "disk full" in failed.error
    assert sorted(p.name for p in folder.iterdir()) == [f"{good.pk}.csv"]


def test_a_large_export_becomes_a_job(project, lead, coded, settings):
    settings.MESTUDIO_EXPORT_SYNC_MAX_ROWS = 1
    export = export_create(project=project, user=lead, format="elan", filters={"status": "all"})
    assert export.status == Export.Status.PENDING and export.job.kind == "export"
    from annotator.services.exports import export_job_work
    from annotator.services.jobs import job_run

    job = job_run(job_id=export.job_id, work=export_job_work)
    export.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and export.status == Export.Status.READY and export.row_count == 3


def test_export_command(project, coded, tmp_path):
    out = tmp_path / "codes.csv"
    call_command("export", "--project", project.name, "--format", "casme2_csv", "--status", "submitted",
                 "--out", str(out))
    assert out.read_text().count("\n") == 3
    export = Export.objects.get()
    assert export.created_by is None and export.row_count == 2 and export.filters["status"] == "submitted"
    assert not list(tmp_path.glob(".*part"))
