import pytest
from django.core.management import CommandError, call_command

from annotator.jobkinds import IMPORT
from annotator.models import Clip, CodingEvent, Job
from tests.annotator.datasets import fixtures


@pytest.mark.django_db
def test_command_imports_as_one_job_and_prints_the_flags(project, tmp_path, capsys):
    root = fixtures.casme2(tmp_path / "casme2")
    call_command("import_dataset", str(root), "--format", "casme2", "--project", project.name, "--no-align")
    out = capsys.readouterr().out
    assert "skipped: line 5 sub02/EP03_02: offset 2 comes before onset 5" in out
    assert "8 rows: 5 imported, 4 of them flagged, 3 skipped; 5 new events" in out
    job = Job.objects.get(kind=IMPORT)
    assert job.status == Job.Status.SUCCEEDED and job.import_report.summary["events_new"] == 5
    assert CodingEvent.objects.count() == 5


@pytest.mark.django_db
def test_dry_run_writes_nothing_not_even_a_job(project, tmp_path, capsys):
    root = fixtures.samm(tmp_path / "samm")
    call_command("import_dataset", str(root), "--format", "samm", "--project", project.name, "--dry-run")
    assert "DRY RUN, nothing written" in capsys.readouterr().out
    assert not Job.objects.exists() and not Clip.objects.exists()


@pytest.mark.django_db
def test_a_layout_that_does_not_match_is_a_clear_error(project, tmp_path):
    root = fixtures.samm(tmp_path / "samm")
    with pytest.raises(CommandError, match="No frame folder in the CASME II layout"):
        call_command("import_dataset", str(root), "--format", "casme2", "--project", project.name)
    assert Job.objects.get().status == Job.Status.FAILED and not Clip.objects.exists()
