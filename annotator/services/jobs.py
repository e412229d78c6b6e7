"""Job rows: the one record of every background task's state, progress, log and error."""

import socket
import time
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from annotator.models import Job

PROGRESS_WRITE_INTERVAL_S = 0.25


def job_create(*, kind: str, project=None, clip=None, params: dict | None = None, created_by=None) -> Job:
    return Job.objects.create(
        kind=kind, project=project, clip=clip, params=params or {}, created_by=created_by,
    )


def job_enqueue_on_commit(*, job: Job, task) -> None:
    transaction.on_commit(lambda: task.delay(job.pk))


def job_start(*, job: Job, device: str = "cpu") -> None:
    now = timezone.now()
    job.status = Job.Status.RUNNING
    job.started_at = now
    job.heartbeat_at = now
    job.worker = socket.gethostname()
    job.device = device
    job.save(update_fields=["status", "started_at", "heartbeat_at", "worker", "device"])


def job_log(*, job: Job, line: str) -> None:
    job.log = f"{job.log}{timezone.now():%H:%M:%S} {line}\n"
    Job.objects.filter(pk=job.pk).update(log=job.log)


def job_finish(*, job: Job, status: str, error: str = "") -> None:
    job.status = status
    job.error = error
    job.finished_at = timezone.now()
    if status == Job.Status.SUCCEEDED:
        job.progress = 1.0
    job.save(update_fields=["status", "error", "finished_at", "progress"])


class ProgressReporter:
    """Writes progress at most every PROGRESS_WRITE_INTERVAL_S so a fast loop does not hammer the database."""

    def __init__(self, job: Job, start: float = 0.0, span: float = 1.0):
        self.job = job
        self.start = start
        self.span = span
        self._last_write = 0.0

    def __call__(self, fraction: float, message: str = "", force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_write < PROGRESS_WRITE_INTERVAL_S:
            return
        self._last_write = now
        progress = self.start + self.span * min(max(fraction, 0.0), 1.0)
        self.job.progress = progress
        self.job.message = message[:300]
        Job.objects.filter(pk=self.job.pk).update(
            progress=progress, message=self.job.message, heartbeat_at=timezone.now()
        )

    def section(self, start: float, span: float) -> "ProgressReporter":
        return ProgressReporter(self.job, self.start + self.span * start, self.span * span)


def job_run(*, job_id: int, work: Callable[[Job, ProgressReporter], None]) -> Job | None:
    """Run `work` for a queued job: mark it running, record success or the error, never raise."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.status != Job.Status.QUEUED:
        return job
    job_start(job=job)
    try:
        work(job, ProgressReporter(job))
    except Exception as exc:  # the job row is the error report; the worker must live on
        job_log(job=job, line=f"failed: {type(exc).__name__}: {exc}")
        job_finish(job=job, status=Job.Status.FAILED, error=str(exc) or type(exc).__name__)
        return job
    job_finish(job=job, status=Job.Status.SUCCEEDED)
    return job
