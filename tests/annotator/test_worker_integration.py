"""The whole loop through a real Celery worker and the configured broker (filesystem, or Redis in the services pass)."""

import threading

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun

from annotator.models import Clip, Job

WORKER_WAIT_S = 120


@pytest.mark.django_db(transaction=True)
def test_uploaded_video_is_ingested_by_a_worker(isolated_broker, lead_api, project, sample_dir):
    isolated_broker.control.purge()
    finished = threading.Event()

    def on_postrun(sender=None, **kwargs):
        if sender is not None and sender.name == "annotator.ingest_clip":
            finished.set()

    task_postrun.connect(on_postrun, weak=False)
    try:
        with start_worker(isolated_broker, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            with open(sample_dir / "single_face.mp4", "rb") as video:
                response = lead_api.post(
                    f"/api/projects/{project.pk}/clips/", {"subject": "S07", "files": [video]}, format="multipart"
                )
            assert response.status_code == 202, response.content
            assert finished.wait(WORKER_WAIT_S), "the worker did not finish the ingest task"
    finally:
        task_postrun.disconnect(on_postrun)

    clip = Clip.objects.get(pk=response.json()[0]["id"])
    job = Job.objects.get(clip=clip)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.progress == 1.0
    assert job.started_at and job.finished_at and job.worker
    assert clip.status == Clip.Status.READY
    assert clip.frame_count == 72
    assert lead_api.get(f"/api/clips/{clip.pk}/frames/71.jpg").status_code == 200
