"""An evaluate job whose worker died mid-run: the retried job keeps the finished folds and ends with the same report."""

from pathlib import Path

import pytest
from django.conf import settings

from annotator.models import Job
from mlbackend import tasks
from mlbackend.models import EvaluationReport
from mlbackend.registry import register, unregister
from plugins.dummy import DummyPlugin
from tests.mlbackend.test_ml_api import start


class Crashing(DummyPlugin):
    """The dummy plugin whose worker dies during the third fit of a run, while `crash` is set."""

    name = "crashing_dummy"
    fits = 0
    crash = True

    def fit(self, train, **kwargs):
        type(self).fits += 1
        if type(self).crash and type(self).fits == 3:
            raise RuntimeError("worker lost")
        return super().fit(train, **kwargs)


@pytest.fixture
def crashing():
    register(Crashing)
    Crashing.fits, Crashing.crash = 0, True
    yield Crashing
    unregister(Crashing.name)


@pytest.mark.django_db
def test_a_retried_evaluate_job_resumes_after_the_finished_folds(lead_api, coded_project, crashing):
    reference = start(lead_api, coded_project, kind="evaluate", plugin="dummy")
    tasks.evaluate(reference.pk)
    first = start(lead_api, coded_project, kind="evaluate", plugin="crashing_dummy")
    tasks.evaluate(first.pk)
    first.refresh_from_db()
    assert first.status == Job.Status.FAILED and "worker lost" in first.error

    Crashing.fits, Crashing.crash = 0, False
    retry = start(lead_api, coded_project, kind="evaluate", plugin="crashing_dummy")
    tasks.evaluate(retry.pk)
    retry.refresh_from_db()
    assert retry.status == Job.Status.SUCCEEDED, retry.error
    assert "resuming: 2 folds" in retry.log
    assert Crashing.fits == 2 + 4  # recognition folds 3 and 4; then the 4 spotting folds (no fold store there)
    resumed, whole = EvaluationReport.objects.get(job=retry), EvaluationReport.objects.get(job=reference)
    assert resumed.overall == whole.overall and resumed.per_subject == whole.per_subject
    assert [s["predicted"] for s in resumed.samples] == [s["predicted"] for s in whole.samples]
    assert not any((Path(settings.MEDIA_ROOT) / "models" / "loso-folds").glob("*/fold-*.json"))
