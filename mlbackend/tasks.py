"""Thin Celery tasks: a job id in, a service does the work inside the shared job runner."""

from celery import shared_task

from annotator.services.jobs import job_run
from mlbackend.services.analysis import analyse_job_work
from mlbackend.services.apex_first import propose_job_work
from mlbackend.services.evaluation import evaluate_job_work
from mlbackend.services.preannotation import preannotate_job_work
from mlbackend.services.runtime import job_workdirs_sweep
from mlbackend.services.training import train_job_work


@shared_task(name="mlbackend.preannotate")
def preannotate(job_id: int) -> None:
    job_run(job_id=job_id, work=preannotate_job_work)


@shared_task(name="mlbackend.train")
def train(job_id: int) -> None:
    job_run(job_id=job_id, work=train_job_work)


@shared_task(name="mlbackend.evaluate")
def evaluate(job_id: int) -> None:
    job_run(job_id=job_id, work=evaluate_job_work)


@shared_task(name="mlbackend.analyse")
def analyse(job_id: int) -> None:
    job_run(job_id=job_id, work=analyse_job_work)


@shared_task(name="mlbackend.propose_interval")
def propose_interval(job_id: int) -> None:
    job_run(job_id=job_id, work=propose_job_work)


@shared_task(name="mlbackend.sweep_job_workdirs")
def sweep_job_workdirs() -> int:
    return len(job_workdirs_sweep())
