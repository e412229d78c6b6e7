from datetime import timedelta
from pathlib import Path

import pytest
import torch
from django.conf import settings
from django.utils import timezone
from sklearn.metrics import f1_score, recall_score

from annotator.models import CodingEvent, EventRevision, Job
from annotator.services.jobs import job_cancel, job_run, job_sweep_stale
from mlbackend import tasks
from mlbackend.models import EvaluationReport, ModelVersion, Prediction, PredictionAcceptance


def start(client, project, **body):
    body.setdefault("label_source", "submitted")  # the test projects' codes are submitted; the API's default is gold
    response = client.post(f"/api/projects/{project.pk}/ml/jobs/", body, format="json")
    assert response.status_code == 202, response.content
    return Job.objects.get(pk=response.json()["id"])


@pytest.mark.django_db
def test_training_makes_an_active_version_with_a_safe_checkpoint_and_a_loso_report(lead_api, coded_project):
    job = start(lead_api, coded_project, kind="train", plugin="dummy")
    tasks.train(job.pk)

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    version = ModelVersion.objects.get(job=job)
    assert version.active and version.version.startswith("dummy-1.0+")
    assert version.labels == ["happiness", "surprise", "disgust"]
    assert len(version.data_snapshot["events"]) == 16 and version.data_snapshot["subjects"] == ["P01", "P02", "P03", "P04"]
    state = torch.load(Path(settings.MEDIA_ROOT) / version.checkpoint, weights_only=True)
    assert state["labels"] == version.labels
    report = EvaluationReport.objects.get(job=job)
    assert report.model_version == version and len(report.per_subject) == 4
    truth, guesses = [s["true"] for s in report.samples], [s["predicted"] for s in report.samples]
    assert report.overall["uf1"] == pytest.approx(f1_score(truth, guesses, average="macro"))
    assert report.overall["uar"] == pytest.approx(recall_score(truth, guesses, average="macro"))
    assert version.metrics["uf1"] == report.overall["uf1"]


@pytest.mark.django_db
def test_report_pages_downloads_and_figures(lead_api, coded_project):
    for seed in (0, 1):
        job = start(lead_api, coded_project, kind="evaluate", plugin="dummy", seed=seed)
        tasks.evaluate(job.pk)
    first, second = EvaluationReport.objects.order_by("id")

    page = lead_api.get(f"/ml/reports/{first.pk}/")
    assert page.status_code == 200 and b"UF1" in page.content and b"P03" in page.content
    csv = lead_api.get(f"/ml/reports/{first.pk}/download.csv")
    assert csv["Content-Type"] == "text/csv" and csv.content.decode().count("\n") == 17
    assert lead_api.get(f"/ml/reports/{first.pk}/download.json").json()["overall"]["n"] == 16
    png = lead_api.get(f"/ml/reports/{first.pk}/confusion.png")
    assert png["Content-Type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in lead_api.get(f"/ml/reports/{first.pk}/per-class.svg").content
    assert lead_api.get(f"/ml/reports/{first.pk}/confusion.exe").status_code == 404
    compare = lead_api.get(f"/ml/reports/compare/?a={first.pk}&b={second.pk}")
    assert compare.status_code == 200 and f"#{second.pk}".encode() in compare.content


@pytest.mark.django_db
def test_preannotation_stores_stamped_predictions_once_per_model_version(lead_api, coded_project):
    tasks.train(start(lead_api, coded_project, kind="train", plugin="dummy", evaluate=False).pk)
    version = ModelVersion.objects.get()

    tasks.preannotate(start(lead_api, coded_project, kind="preannotate", plugin="dummy").pk)
    again = start(lead_api, coded_project, kind="preannotate", plugin="dummy")
    tasks.preannotate(again.pk)

    assert Prediction.objects.count() == 16
    assert set(Prediction.objects.values_list("model_version", flat=True)) == {version.pk}
    again.refresh_from_db()
    assert again.status == Job.Status.SUCCEEDED and "0 clip(s)" in again.log
    clip = coded_project.clips.first()
    listed = lead_api.get(f"/api/clips/{clip.pk}/predictions/").json()
    assert listed[0]["model_version"] == version.version and 0 <= listed[0]["score"] <= 1


@pytest.mark.django_db
def test_accepting_a_suggestion_keeps_the_coder_as_author_and_records_the_source(
        lead_api, coder_api, coder, coded_project):
    tasks.train(start(lead_api, coded_project, kind="train", plugin="dummy", evaluate=False).pk)
    tasks.preannotate(start(lead_api, coded_project, kind="preannotate", plugin="dummy").pk)
    prediction = Prediction.objects.first()

    created = coder_api.post(f"/api/predictions/{prediction.pk}/accept/", {}, format="json")
    assert created.status_code == 200, created.content
    event = CodingEvent.objects.get(pk=created.json()["id"])
    assert event.coder == coder and event.emotion == prediction.emotion and event.onset == prediction.onset

    own = coder_api.post(f"/api/clips/{prediction.clip_id}/events/", {"onset": 1, "offset": 10}, format="json").json()
    filled = coder_api.post(f"/api/predictions/{prediction.pk}/accept/",
                            {"event": own["id"], "version": own["version"]}, format="json")
    assert filled.status_code == 200
    assert filled.json()["emotion"] == prediction.emotion and filled.json()["onset"] == 1
    stale = coder_api.post(f"/api/predictions/{prediction.pk}/accept/",
                           {"event": own["id"], "version": own["version"]}, format="json")
    assert stale.status_code == 409
    acceptances = PredictionAcceptance.objects.filter(prediction=prediction)
    assert acceptances.count() == 2 and {a.accepted_by for a in acceptances} == {coder}

    # Taking it again into the event that already holds it changes nothing: no new version, no revision.
    version = filled.json()["version"]
    revisions = EventRevision.objects.filter(event_id_value=own["id"]).count()
    again = coder_api.post(f"/api/predictions/{prediction.pk}/accept/",
                           {"event": own["id"], "version": version}, format="json")
    assert again.status_code == 200 and again.json()["version"] == version
    assert EventRevision.objects.filter(event_id_value=own["id"]).count() == revisions


@pytest.mark.django_db
def test_only_leads_start_jobs_and_outsiders_see_nothing(coder_api, coded_project, outsider):
    from tests.conftest import api_client_for

    assert coder_api.post(f"/api/projects/{coded_project.pk}/ml/jobs/", {"kind": "train", "plugin": "dummy"},
                          format="json").status_code == 403
    assert api_client_for(outsider).get(f"/api/projects/{coded_project.pk}/ml/jobs/").status_code == 404
    assert coder_api.post(f"/api/projects/{coded_project.pk}/ml/jobs/", {"kind": "train", "plugin": "nope"},
                          format="json").status_code in {400, 403}


@pytest.mark.django_db
def test_bad_job_requests_get_clear_messages(lead_api, coded_project):
    unknown = lead_api.post(f"/api/projects/{coded_project.pk}/ml/jobs/", {"kind": "train", "plugin": "nope"},
                            format="json")
    assert unknown.status_code == 400 and "No plugin named 'nope'" in str(unknown.json())
    refused = lead_api.post(f"/api/projects/{coded_project.pk}/ml/jobs/", {"kind": "preannotate", "plugin": "dummy"},
                            format="json")
    assert refused.status_code == 400 and "train one first" in str(refused.json())
    assert not Job.objects.filter(kind="preannotate").exists(), "refused before it was queued"
    # The worker checks again: the active version may go between queueing and running.
    from annotator.services.jobs import job_create

    job = job_create(kind="preannotate", project=coded_project, params={"plugin": "dummy"})
    tasks.preannotate(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "train one first" in job.error


@pytest.mark.django_db
def test_cancelling_a_running_job_stops_it_at_its_next_progress_step(lead, coded_project):
    from annotator.services.jobs import job_create

    job = job_create(kind="evaluate", project=coded_project, params={}, created_by=lead)
    steps = []

    def work(running_job, progress):
        progress(0.1, "first", force=True)
        steps.append(1)
        job_cancel(job=Job.objects.get(pk=running_job.pk))
        progress(0.2, "second", force=True)
        steps.append(2)

    job_run(job_id=job.pk, work=work)
    job.refresh_from_db()
    assert steps == [1] and job.status == Job.Status.CANCELLED


@pytest.mark.django_db
def test_a_job_whose_worker_died_is_failed_by_the_sweeper_and_can_be_retried(lead_api, lead, coded_project):
    job = start(lead_api, coded_project, kind="evaluate", plugin="dummy")
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, heartbeat_at=timezone.now() - timedelta(minutes=5))
    fresh = start(lead_api, coded_project, kind="evaluate", plugin="dummy")
    Job.objects.filter(pk=fresh.pk).update(status=Job.Status.RUNNING, heartbeat_at=timezone.now())

    assert job_sweep_stale() == 1

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.retryable and "heartbeat" in job.error
    assert Job.objects.get(pk=fresh.pk).status == Job.Status.RUNNING
    retry = lead_api.post(f"/api/jobs/{job.pk}/retry/")
    assert retry.status_code == 202 and Job.objects.get(pk=retry.json()["id"]).params == job.params


@pytest.mark.django_db
def test_models_page_lists_jobs_versions_and_reports(lead_api, coded_project):
    tasks.train(start(lead_api, coded_project, kind="train", plugin="dummy").pk)
    start(lead_api, coded_project, kind="preannotate", plugin="dummy")
    page = lead_api.get(f"/projects/{coded_project.pk}/ml/")
    assert page.status_code == 200
    assert b"<td>pre-annotate</td>" in page.content  # the registered label, not the stored name
    assert b"dummy-1.0+" in page.content and b"LOSO #" in page.content and b"active" in page.content


@pytest.mark.django_db
def test_suggestions_show_what_this_coder_took_and_only_active_versions(lead_api, coder_api, coded_project):
    for _ in range(2):
        tasks.train(start(lead_api, coded_project, kind="train", plugin="dummy", evaluate=False).pk)
    older, newer = ModelVersion.objects.order_by("id")
    tasks.preannotate(start(lead_api, coded_project, kind="preannotate", plugin="dummy", model_version=newer.pk).pk)
    tasks.preannotate(start(lead_api, coded_project, kind="preannotate", plugin="dummy", model_version=older.pk).pk)
    clip = coded_project.clips.first()
    url = f"/api/clips/{clip.pk}/predictions/"

    assert {p["model_version"] for p in coder_api.get(url).json()} == {older.version}, "the first version is active"
    assert len(coder_api.get(url + "?all=1").json()) == 2

    prediction = coder_api.get(url).json()[0]
    event = coder_api.post(f"/api/predictions/{prediction['id']}/accept/", {}, format="json").json()
    assert coder_api.get(url).json()[0]["accepted_event"] == event["id"]
    assert lead_api.get(url).json()[0]["accepted_event"] is None, "acceptance is per coder"


def test_accepted_aus_are_added_to_the_coders_own_without_touching_side_or_intensity():
    from mlbackend.services.acceptance import merged_aus

    own = [{"number": 12, "side": "R", "intensity": "C"}]
    suggested = [{"number": 12, "side": "both", "intensity": None}, {"number": 6, "side": "both", "intensity": None}]

    assert merged_aus(own, suggested) == own + [{"number": 6, "side": "both", "intensity": None}]


@pytest.mark.django_db
def test_the_lead_chooses_the_active_version(lead_api, coder_api, coded_project):
    for _ in range(2):
        tasks.train(start(lead_api, coded_project, kind="train", plugin="dummy", evaluate=False).pk)
    first, second = ModelVersion.objects.order_by("id")
    assert first.active and not second.active

    assert coder_api.post(f"/api/ml/versions/{second.pk}/activate/").status_code == 403
    assert lead_api.post(f"/api/ml/versions/{second.pk}/activate/").status_code == 200

    first.refresh_from_db()
    second.refresh_from_db()
    assert second.active and not first.active


@pytest.mark.django_db
def test_model_jobs_go_to_the_gpu_queue_when_one_is_configured(settings, lead, coded_project):
    from annotator.services.jobs import job_create, job_queue

    train = job_create(kind="train", project=coded_project, params={}, created_by=lead)
    ingest = job_create(kind="ingest", project=coded_project, params={}, created_by=lead)
    assert job_queue(train) == "default"
    settings.MESTUDIO_GPU_QUEUE = "gpu"
    assert job_queue(train) == "gpu" and job_queue(ingest) == "default"


@pytest.mark.django_db
def test_a_finished_job_says_what_it_did(lead_api, coded_project):
    job = start(lead_api, coded_project, kind="train", plugin="dummy", evaluate=False)
    tasks.train(job.pk)
    job.refresh_from_db()
    assert job.message.startswith("model version dummy-1.0+") and job.message.endswith("made active")


@pytest.mark.django_db
def test_a_version_records_its_trainer_and_cpu_and_the_page_shows_them(lead_api, coded_project):
    from mlbackend.cpuinfo import cpu_fingerprint

    job = start(lead_api, coded_project, kind="train", plugin="dummy", evaluate=False)
    tasks.train(job.pk)
    version = ModelVersion.objects.get(job=job)
    assert version.training["trainer"] == "plugin fit" and version.training["device"] == "cpu"
    assert version.training["cpu"] == cpu_fingerprint()
    page = lead_api.get(f"/projects/{coded_project.pk}/ml/").content.decode()
    assert "plugin fit on cpu" in page and cpu_fingerprint()["model"] in page
    assert lead_api.get(f"/api/projects/{coded_project.pk}/ml/versions/").json()[0]["training"] == version.training


def test_the_training_record_reads_the_trainer_the_plugin_wrote(tmp_path):
    from mlbackend.checkpoints import write_checkpoint
    from mlbackend.services.training import training_record

    checkpoint = write_checkpoint(tmp_path / "m.pt", {"history": {"trainer": "fast-c", "train_seconds": 1.5}})
    record = training_record(checkpoint, device="cpu")
    assert record["trainer"] == "fast-c" and record["train_seconds"] == 1.5 and record["cpu"]["vector"] is not None
