"""The evaluate job's and command's `protocol` option: leave-one-video-out, stated on the report."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from annotator.models import Job
from mlbackend.models import EvaluationReport
from mlbackend.services.jobs import ml_job_create


def test_evaluate_command_with_leave_one_video_out(coded_project):
    out = io.StringIO()
    call_command("evaluate", "--project", coded_project.name, "--plugin", "dummy", "--protocol", "lovo", stdout=out)
    report = EvaluationReport.objects.get()
    assert report.protocol == "lovo" and len(report.folds) == 16  # one fold per video
    assert "protocol: leave-one-video-out" in out.getvalue() and "subjects appear on both sides" in out.getvalue()
    assert "subjects appear on both sides" in Job.objects.get(pk=report.job_id).log


def test_report_page_warns_about_leave_one_video_out(coded_project, lead, client):
    call_command("evaluate", "--project", coded_project.name, "--plugin", "dummy", "--protocol", "lovo",
                 stdout=io.StringIO())
    client.force_login(lead)
    page = client.get(f"/ml/reports/{EvaluationReport.objects.get().pk}/")
    assert page.status_code == 200 and b"protocol-warning" in page.content


def test_unknown_protocol_is_refused(coded_project):
    with pytest.raises(ValidationError):
        ml_job_create(kind="evaluate", project=coded_project, created_by=None, plugin="dummy", protocol="kfold",
                      enqueue=False)
