import io

import pytest
from django.core.management import CommandError, call_command

from mlbackend.models import EvaluationReport, ModelVersion, Prediction


@pytest.mark.django_db
def test_train_evaluate_and_preannotate_from_the_command_line(coded_project):
    out, err = io.StringIO(), io.StringIO()
    call_command("evaluate", "--project", coded_project.name, "--plugin", "dummy", stdout=out, stderr=err)
    report = EvaluationReport.objects.get()
    assert f"report {report.pk}: UF1 {report.overall['uf1']:.3f}" in out.getvalue()
    assert "100.0%" in err.getvalue(), "a progress bar was drawn"

    call_command("train", "--project", str(coded_project.pk), "--plugin", "dummy", "--no-evaluate", stdout=out, stderr=err)
    version = ModelVersion.objects.get()
    call_command("preannotate", "--project", coded_project.name, "--plugin", "dummy", stdout=out, stderr=err)
    assert Prediction.objects.filter(model_version=version).count() == 16


@pytest.mark.django_db
def test_command_errors_are_messages_not_tracebacks(coded_project):
    with pytest.raises(CommandError, match="No project named 'nope'"):
        call_command("train", "--project", "nope", "--plugin", "dummy")
    with pytest.raises(CommandError, match="No plugin named 'nope'"):
        call_command("train", "--project", coded_project.name, "--plugin", "nope")
    with pytest.raises(CommandError, match="train one first"):
        call_command("preannotate", "--project", coded_project.name, "--plugin", "dummy", stdout=io.StringIO(),
                     stderr=io.StringIO())
