"""Celery tasks stay thin: they take an id and call a service."""

from celery import shared_task
from celery.signals import worker_ready

from annotator.services.dataset_jobs import dataset_import_job
from annotator.services.ingest import clip_ingest_job
from annotator.services.exports import export_job_work
from annotator.services.jobs import job_run, job_sweep_stale


@shared_task(name="annotator.ingest_clip")
def ingest_clip(job_id: int) -> None:
    clip_ingest_job(job_id=job_id)


@shared_task(name="annotator.export")
def run_export(job_id: int) -> None:
    job_run(job_id=job_id, work=export_job_work)


@shared_task(name="annotator.import_dataset")
def import_dataset(job_id: int) -> None:
    dataset_import_job(job_id=job_id)


@shared_task(name="annotator.sweep_stale_jobs")
def sweep_stale_jobs() -> int:
    return job_sweep_stale()


@worker_ready.connect
def _sweep_at_start(**kwargs):
    job_sweep_stale()
