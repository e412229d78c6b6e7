"""A training job's media/models/job-N folder goes away however the job ends: failure, cancel, or a killed worker."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from annotator.models import Job
from annotator.services.jobs import job_cancel, job_sweep_stale
from mlbackend import tasks
from plugins.dummy import DummyPlugin
from tests.mlbackend.test_ml_api import start


def models_folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "models"


def job_folders() -> list[str]:
    return sorted(path.name for path in models_folder().glob("job-*")) if models_folder().exists() else []


@pytest.mark.django_db
def test_a_fit_that_fails_leaves_no_job_folder(lead_api, coded_project, monkeypatch):
    def failing_fit(self, train, *, workdir, progress, device, seed):
        Path(workdir).mkdir(parents=True, exist_ok=True)
        (Path(workdir) / "partial.pt").write_bytes(b"half a checkpoint")
        raise RuntimeError("out of memory in epoch 3")

    monkeypatch.setattr(DummyPlugin, "fit", failing_fit)
    job = start(lead_api, coded_project, kind="train", plugin="dummy", evaluate=False)
    tasks.train(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "out of memory" in job.error
    assert job_folders() == []


@pytest.mark.django_db
def test_a_fit_cancelled_midway_leaves_no_job_folder(lead_api, coded_project, monkeypatch):
    real_fit = DummyPlugin.fit

    def cancelled_fit(self, train, *, workdir, progress, device, seed):
        Path(workdir).mkdir(parents=True, exist_ok=True)
        (Path(workdir) / "epoch-1.pt").write_bytes(b"first epoch")
        job_cancel(job=Job.objects.get(pk=job.pk))
        progress(0.5, "epoch 2", force=True)
        return real_fit(self, train, workdir=workdir, progress=progress, device=device, seed=seed)

    monkeypatch.setattr(DummyPlugin, "fit", cancelled_fit)
    job = start(lead_api, coded_project, kind="train", plugin="dummy", evaluate=False)
    tasks.train(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert job_folders() == []


@pytest.mark.django_db
def test_the_folder_of_a_killed_workers_job_is_swept_once_the_job_is(lead_api, coded_project):
    killed = start(lead_api, coded_project, kind="train", plugin="dummy")
    running = start(lead_api, coded_project, kind="train", plugin="dummy")
    Job.objects.filter(pk=killed.pk).update(status=Job.Status.RUNNING, heartbeat_at=timezone.now() - timedelta(minutes=5))
    Job.objects.filter(pk=running.pk).update(status=Job.Status.RUNNING, heartbeat_at=timezone.now())
    for name in (f"job-{killed.pk}", f"job-{running.pk}", "job-999999", "version-1"):
        (models_folder() / name / "final").mkdir(parents=True)

    assert tasks.sweep_job_workdirs() == 1, "a job that still runs keeps its folder until the sweeper fails it"
    assert job_folders() == [f"job-{killed.pk}", f"job-{running.pk}"]
    assert job_sweep_stale() == 1
    assert tasks.sweep_job_workdirs() == 1
    assert job_folders() == [f"job-{running.pk}"]
    assert (models_folder() / "version-1").is_dir(), "installed model versions are never swept"
