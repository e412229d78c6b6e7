"""Job kinds come from a registry each app fills: no choices on Job.kind, an unknown kind is refused."""

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError

from annotator import jobkinds
from annotator.jobkinds import job_kind, job_kinds, register_job_kind
from annotator.models import Job
from annotator.services.jobs import job_create, job_queue


@pytest.fixture
def throwaway_kind():
    name = register_job_kind("frobnicate", "frobnicate clips", task="tests.frobnicate", accelerated=True)
    yield name
    jobkinds._KINDS.pop(name)


def test_each_app_registers_its_kinds_at_start():
    names = {kind.name for kind in job_kinds()}
    assert {"ingest", "preannotate", "train", "evaluate", "analyse", "propose"} <= names
    assert job_kind("train").task == "mlbackend.train" and job_kind("train").accelerated
    assert job_kind("ingest").task == "annotator.ingest_clip" and not job_kind("ingest").accelerated


def test_job_create_refuses_an_unregistered_kind_and_writes_nothing(db):
    with pytest.raises(ValidationError, match="Unknown job kind 'frobnicate'"):
        job_create(kind="frobnicate")
    assert not Job.objects.exists()


def test_a_registered_kind_needs_no_migration_and_routes_by_its_declaration(db, settings, throwaway_kind):
    job = job_create(kind=throwaway_kind)
    job.refresh_from_db()
    assert job.kind == "frobnicate" and job.kind_label == "frobnicate clips"
    settings.MESTUDIO_GPU_QUEUE = "gpu"
    assert job_queue(job) == "gpu"
    assert Job._meta.get_field("kind").choices is None


def test_jobs_a_coder_waits_for_have_their_own_queue(db, settings):
    analyse, propose, train = (job_create(kind=kind) for kind in ("analyse", "propose", "train"))
    assert job_queue(analyse) == job_queue(propose) == "instant"
    settings.MESTUDIO_GPU_QUEUE = ""
    assert job_queue(train) == "default"
    settings.MESTUDIO_GPU_QUEUE = "gpu"
    assert job_queue(train) == "gpu" and job_queue(analyse) == "instant"


def test_a_kind_registered_twice_differently_is_a_configuration_error(throwaway_kind):
    assert register_job_kind("frobnicate", "frobnicate clips", task="tests.frobnicate", accelerated=True) == "frobnicate"
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        register_job_kind("frobnicate", "frobnicate", task="tests.other")


def test_a_row_of_an_unregistered_kind_still_shows_its_name(db):
    job = Job.objects.create(kind="retired")
    assert job.kind_label == "retired"


def test_every_registered_kind_names_a_task_the_worker_runs():
    from annotator.celery import app

    app.loader.import_default_modules()  # what a worker does at start: autodiscover the apps' tasks
    assert [kind.name for kind in job_kinds() if kind.task not in app.tasks] == []
