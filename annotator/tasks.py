"""Celery tasks stay thin: they take an id and call a service."""

from celery import shared_task

from annotator.services.ingest import clip_ingest_job


@shared_task(name="annotator.ingest_clip")
def ingest_clip(job_id: int) -> None:
    clip_ingest_job(job_id=job_id)
