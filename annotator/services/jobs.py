"""Job rows: the one record of every background task's state, progress, log and error.

The runner marks a job running, keeps a heartbeat from a side thread (a long training
step writes no progress for a while, yet the worker is alive), stops at the next progress
write once someone cancelled the job, and records success or the error. A sweeper fails
jobs whose heartbeat stopped: their worker died, so they are marked retryable.
"""

import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from annotator.jobkinds import INGEST, job_kind
from annotator.models import AuditEntry, Clip, Job
from annotator.permissions import can_cancel_job, can_retry_job, role_for
from annotator.services.audit import audit_record

PROGRESS_WRITE_INTERVAL_S = 0.25
HEARTBEAT_INTERVAL_S = 10
STALE_AFTER_S = 90


class JobCancelled(Exception):
    pass


def job_create(*, kind: str, project=None, clip=None, params: dict | None = None, created_by=None) -> Job:
    job_kind(kind)  # an unknown kind raises ValidationError before anything is written
    with transaction.atomic():
        job = Job.objects.create(kind=kind, project=project, clip=clip, params=params or {}, created_by=created_by)
        audit_record(user=created_by, action=AuditEntry.Action.JOB_START, object_type="job", object_id=job.pk,
                     project=project or getattr(clip, "project_id", None), detail=kind)
    return job


def job_queue(job: Job) -> str:
    kind = job_kind(job.kind)
    if kind.instant and settings.MESTUDIO_INSTANT_QUEUE:
        return settings.MESTUDIO_INSTANT_QUEUE
    gpu_queue = settings.MESTUDIO_GPU_QUEUE
    return gpu_queue if gpu_queue and kind.accelerated else settings.CELERY_TASK_DEFAULT_QUEUE


def job_enqueue_on_commit(*, job: Job) -> None:
    from annotator.celery import app

    transaction.on_commit(lambda: app.send_task(job_kind(job.kind).task, args=[job.pk], queue=job_queue(job)))


def job_publish(job: Job) -> None:
    """Tell the job's channel group that its row changed, once that change is committed: a consumer woken
    earlier would read the old row and then wait for a message that never comes. Through Redis this reaches
    every web process; the embedded in-memory layer reaches only this one, so consumers there also poll."""
    transaction.on_commit(partial(_send_job_update, job.pk), robust=True)


def _send_job_update(job_id: int) -> None:
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    async_to_sync(get_channel_layer().group_send)(f"job-{job_id}", {"type": "job.update", "job": job_id})


def job_claim(*, job: Job, device: str = "cpu") -> bool:
    """Mark a queued job running; False when another worker (or a redelivered message) got it first."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=now, heartbeat_at=now, worker=socket.gethostname(), device=device,
    )
    if claimed:
        job.refresh_from_db()
        job_publish(job)
    return bool(claimed)


def job_set_device(*, job: Job, device: str) -> None:
    job.device = device
    Job.objects.filter(pk=job.pk).update(device=device)


def job_log(*, job: Job, line: str) -> None:
    job.log = f"{job.log}{timezone.now():%H:%M:%S} {line}\n"
    Job.objects.filter(pk=job.pk).update(log=job.log)


def job_finish(*, job: Job, status: str, error: str = "") -> None:
    job.status = status
    job.error = error
    job.finished_at = timezone.now()
    if status == Job.Status.SUCCEEDED:
        job.progress = 1.0
        # The last progress message ("extracting features...") would read as if still at work.
        job.message = (job.log.strip().splitlines() or ["done"])[-1].partition(" ")[2][:300] or "done"
    # A cancel that raced with the last step wins: the user asked for it.
    updated = Job.objects.filter(pk=job.pk).exclude(status=Job.Status.CANCELLED).update(
        status=status, error=error, finished_at=job.finished_at, progress=job.progress, message=job.message,
    )
    if not updated:
        job.status = Job.Status.CANCELLED
        Job.objects.filter(pk=job.pk).update(finished_at=job.finished_at)
    job_publish(job)


def job_cancel(*, job: Job, user=None) -> Job:
    """Cancel a queued or running job; `user` None is the system (a worker, the CLI)."""
    if user is not None and not can_cancel_job(user, role_for(user, job.project_id), job):
        raise PermissionDenied("Only the lead or whoever started it cancels a job.")
    if job.status == Job.Status.QUEUED:
        Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
            status=Job.Status.CANCELLED, finished_at=timezone.now(), message="cancelled before it started")
    elif job.status == Job.Status.RUNNING:
        Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
            status=Job.Status.CANCELLED, message="cancelling…")
    job.refresh_from_db()
    job_publish(job)
    return job


class JobNotRetryable(Exception):
    """The job is not failed or cancelled, or was retried already."""


@transaction.atomic
def job_retry(*, job: Job, created_by) -> Job:
    """Queue a job again, once: who may start a job of its kind may retry it, and of two retries one wins."""
    if not can_retry_job(created_by, role_for(created_by, job.project_id), job):
        raise PermissionDenied("Only who may start this kind of job retries it.")
    # Check and claim in one conditional UPDATE: a second retry, even a concurrent one, matches no row.
    claimed = Job.objects.filter(
        pk=job.pk, status__in=[Job.Status.FAILED, Job.Status.CANCELLED], retried_at__isnull=True,
    ).update(retried_at=timezone.now())
    if not claimed:
        raise JobNotRetryable("Only a failed or cancelled job can be retried, and only once.")
    # Only a failed clip is ingested again here (a failed clip has no codes); a ready one goes through
    # clips.clip_reingest and its checks. Raising rolls the claim above back.
    if job.kind == INGEST and job.clip_id and not Clip.objects.filter(
            pk=job.clip_id, status=Clip.Status.FAILED).update(status=Clip.Status.PENDING, error=""):
        raise JobNotRetryable("The clip is not failed; re-ingest it from the clip list.")
    retry = job_create(kind=job.kind, project=job.project, clip=job.clip, params=job.params, created_by=created_by)
    job_enqueue_on_commit(job=retry)
    return retry


def job_is_cancelled(job: Job) -> bool:
    return Job.objects.filter(pk=job.pk, status=Job.Status.CANCELLED).exists()


def job_sweep_stale(*, stale_after_s: int = STALE_AFTER_S) -> int:
    """Fail running jobs whose worker stopped beating; they can be retried.

    Each job is failed by a conditional UPDATE (still running, heartbeat still old), so a job that finished or
    beat between the read and the write keeps its state.
    """
    cutoff = timezone.now() - timedelta(seconds=stale_after_s)
    swept = 0
    for job in Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=cutoff):
        message = f"The worker stopped responding (no heartbeat for {stale_after_s} s); retry the job."
        if not Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, heartbeat_at__lt=cutoff).update(
                status=Job.Status.FAILED, error=message, retryable=True, finished_at=timezone.now()):
            continue
        swept += 1
        if job.kind == INGEST and job.clip_id:
            Clip.objects.filter(pk=job.clip_id, status__in=[Clip.Status.PENDING, Clip.Status.PROCESSING]).update(
                status=Clip.Status.FAILED, error=message, pixels_reserved=0)
        job_publish(job)
    return swept


class ProgressReporter:
    """Writes progress at most every PROGRESS_WRITE_INTERVAL_S; raises JobCancelled once the job was cancelled."""

    def __init__(self, job: Job, start: float = 0.0, span: float = 1.0, echo: Callable | None = None):
        self.job = job
        self.start = start
        self.span = span
        self.echo = echo
        self._last_write = 0.0

    def __call__(self, fraction: float, message: str = "", force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_write < PROGRESS_WRITE_INTERVAL_S:
            return
        self._last_write = now
        progress = self.start + self.span * min(max(fraction, 0.0), 1.0)
        self.job.progress = progress
        self.job.message = message[:300]
        written = Job.objects.filter(pk=self.job.pk, status=Job.Status.RUNNING).update(
            progress=progress, message=self.job.message, heartbeat_at=timezone.now()
        )
        if not written:
            raise JobCancelled("cancelled by a user")
        job_publish(self.job)
        if self.echo is not None:
            self.echo(progress, self.job.message)

    def section(self, start: float, span: float) -> "ProgressReporter":
        return ProgressReporter(self.job, self.start + self.span * start, self.span * span, self.echo)


class Heartbeat:
    """Beats from a side thread while the job's own thread is busy."""

    def __init__(self, job_id: int, interval_s: float = HEARTBEAT_INTERVAL_S):
        self.job_id = job_id
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{job_id}", daemon=True)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval_s):
                Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING).update(heartbeat_at=timezone.now())
        finally:
            connection.close()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def job_run(*, job_id: int, work: Callable[[Job, ProgressReporter], None], echo: Callable | None = None
            ) -> Job | None:
    """Run `work` for a queued job: mark it running, record success, cancellation or the error; never raise."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or not job_claim(job=job):
        return job
    try:
        with Heartbeat(job.pk):
            work(job, ProgressReporter(job, echo=echo))
    except JobCancelled:
        job_log(job=job, line="cancelled")
        job_finish(job=job, status=Job.Status.CANCELLED)
        return job
    except Exception as exc:  # the job row is the error report; the worker must live on
        job_log(job=job, line=f"failed: {type(exc).__name__}: {exc}")
        job_finish(job=job, status=Job.Status.FAILED, error=str(exc) or type(exc).__name__)
        return job
    job_finish(job=job, status=Job.Status.SUCCEEDED)
    return job
