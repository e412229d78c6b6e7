"""Spotting plugins in the shared evaluator: jobs, report, Models page, CLI (MEGC rule, IoU >= 0.5)."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from annotator.models import CodingEvent, Job
from annotator.services.events import event_create
from mlbackend import tasks
from mlbackend.checkpoints import model_version, read_checkpoint, write_checkpoint
from mlbackend.contract import SPOTTING, ClipPrediction, Plugin, PredictedEvent
from mlbackend.models import EvaluationReport, ModelVersion
from mlbackend.registry import register, unregister
from mlbackend.services.jobs import ml_job_create
from tests.mlbackend.test_ml_api import start


class FakeSpotter(Plugin):
    """Spots a micro-expression at frames 2..9 of every clip (the coded timing) and a macro one at 0..3."""

    name = "fake_spotter"
    version = "0.1"
    capabilities = frozenset({SPOTTING})
    description = "test spotter"

    def fit(self, train, *, workdir: Path, progress, device: str, seed: int) -> Path:
        progress(1.0, "fitted")
        return write_checkpoint(Path(workdir) / "spot.pt", {"subjects": sorted({c.clip.subject for c in train})})

    def load(self, checkpoint: Path, *, device: str) -> None:
        self.state = read_checkpoint(checkpoint, device=device)
        self.model_version = model_version(self.name, self.version, checkpoint)

    def predict(self, clips):
        predictions = []
        for clip in clips:
            assert not clip.segments, "a spotter is not told where the movements are"
            assert clip.subject not in self.state["subjects"], "the held-out subject was not trained on"
            predictions.append(ClipPrediction(clip_id=clip.clip_id, score=0.5, model_version=self.model_version, events=(
                PredictedEvent(onset=2, apex=5, offset=9, kind="micro", score=0.9),
                PredictedEvent(onset=0, apex=1, offset=3, kind="macro", score=0.2),
            )))
        return predictions


@pytest.fixture
def fake_spotter():
    register(FakeSpotter)
    yield FakeSpotter
    unregister(FakeSpotter.name)


@pytest.fixture
def spotting_project(coded_project, lead):
    """coded_project (16 clips, one micro code at 2..9 each) plus one macro code at 0..11 on one clip."""
    clip = coded_project.clips.order_by("id").first()
    event_create(clip=clip, coder=lead, onset=0, apex=6, offset=11, kind="macro", emotion="happiness",
                 status=CodingEvent.Status.SUBMITTED)
    return coded_project


EXPECTED = {  # micro: 16 found; macro: 16 predictions at 0..3, none with IoU >= 0.5 against 0..11
    "micro": {"tp": 16, "fp": 0, "fn": 0, "f1": 1.0},
    "macro": {"tp": 0, "fp": 16, "fn": 1, "f1": 0.0},
    "overall": {"tp": 16, "fp": 16, "fn": 1, "f1": 32 / 49},
}


@pytest.mark.django_db
def test_an_evaluate_job_with_a_spotting_plugin_stores_megc_figures(lead_api, spotting_project, fake_spotter):
    job = start(lead_api, spotting_project, kind="evaluate", plugin="fake_spotter")
    tasks.evaluate(job.pk)

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert "spotting (IoU >= 0.5)" in job.log
    report = EvaluationReport.objects.get(job=job)
    assert report.overall == {} and report.samples == [] and report.labels == []
    figures = report.spotting["overall"]
    assert {"micro", "macro", "overall"} <= set(figures) and figures["n_videos"] == 16
    for kind, expected in EXPECTED.items():
        assert {k: figures[kind][k] for k in expected} == pytest.approx(expected), kind
    assert figures["overall"]["precision"] == pytest.approx(0.5)
    assert figures["overall"]["recall"] == pytest.approx(16 / 17)
    rows = report.spotting["per_subject"]
    assert [row["subject"] for row in rows] == ["P01", "P02", "P03", "P04"]
    assert all(row["n_videos"] == 4 for row in rows) and sum(row["fn"] for row in rows) == 1
    assert len(report.folds) == 4 and report.spotting["folds"] == report.folds


@pytest.mark.django_db
def test_the_report_page_models_page_and_downloads_show_the_spotting_figures(lead_api, spotting_project, fake_spotter):
    tasks.evaluate(start(lead_api, spotting_project, kind="evaluate", plugin="fake_spotter").pk)
    tasks.evaluate(start(lead_api, spotting_project, kind="evaluate", plugin="dummy").pk)
    spotter, dummy = EvaluationReport.objects.order_by("id")

    page = lead_api.get(f"/ml/reports/{spotter.pk}/").content.decode()
    assert 'id="spotting"' in page and 'id="spotting-per-subject"' in page and "P03" in page
    assert 'id="spotting-f1">0.653<' in page
    assert 'id="uf1"' not in page and "confusion matrix" not in page, "no emotion figures without emotions"
    assert "over 4 subjects" in page

    assert lead_api.get(f"/ml/reports/{spotter.pk}/download.json").json()["spotting"]["overall"]["overall"]["tp"] == 16
    assert lead_api.get(f"/api/ml/reports/{spotter.pk}/").json()["spotting"]["overall"]["micro"]["f1"] == 1.0

    home = lead_api.get(f"/projects/{spotting_project.pk}/ml/").content.decode()
    assert "0.653" in home and "micro 1.000" in home
    compare = lead_api.get(f"/ml/reports/compare/?a={spotter.pk}&b={dummy.pk}")
    assert compare.status_code == 200 and b"Spotting F1" in compare.content


@pytest.mark.django_db
def test_a_plugin_that_recognises_and_spots_gets_both_in_one_report(lead_api, coded_project):
    """The test plugin `dummy` has emotion, AUs and spotting: one report, both LOSO loops."""
    job = start(lead_api, coded_project, kind="evaluate", plugin="dummy")
    tasks.evaluate(job.pk)
    report = EvaluationReport.objects.get(job=job)
    assert report.overall["n"] == 16 and len(report.per_subject) == 4
    # dummy spots frames 3..9 of a 12-frame clip: IoU 7/8 with the code at 2..9
    assert report.spotting["overall"]["micro"] == pytest.approx(
        {"tp": 16, "fp": 0, "fn": 0, "n_true": 16, "n_predicted": 16, "precision": 1.0, "recall": 1.0, "f1": 1.0})
    page = lead_api.get(f"/ml/reports/{report.pk}/").content.decode()
    assert 'id="uf1"' in page and 'id="spotting"' in page


@pytest.mark.django_db
def test_training_a_spotter_evaluates_it_first_and_lists_its_spotting_f1(lead_api, spotting_project, fake_spotter):
    job = start(lead_api, spotting_project, kind="train", plugin="fake_spotter")
    assert job.params["evaluate"] is True
    tasks.train(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    version = ModelVersion.objects.get(job=job)
    assert version.metrics["spotting_f1"] == pytest.approx(32 / 49)
    assert version.metrics["spotting_micro_f1"] == 1.0 and version.metrics["spotting_macro_f1"] == 0.0
    assert EvaluationReport.objects.get(job=job).model_version == version
    home = lead_api.get(f"/projects/{spotting_project.pk}/ml/").content.decode()
    assert "spotting F1 0.653" in home


@pytest.mark.django_db
def test_evaluate_jobs_accept_spotting_plugins(lead, coded_project):
    for plugin in ("motion_spotter", "mdmd", "lbp_spotter"):
        job = ml_job_create(kind="evaluate", project=coded_project, created_by=lead, plugin=plugin,
                            enqueue=False)
        assert job.params["plugin"] == plugin and job.params["evaluate"] is True


@pytest.mark.django_db
def test_spotting_needs_two_subjects(lead_api, spotting_project, fake_spotter):
    CodingEvent.objects.exclude(clip__subject__code="P01").delete()
    refused = lead_api.post(f"/api/projects/{spotting_project.pk}/ml/jobs/",
                            {"kind": "evaluate", "plugin": "fake_spotter", "label_source": "submitted"}, format="json")
    assert refused.status_code == 400 and "at least 2 subjects" in str(refused.json())  # before it is queued
    from annotator.services.jobs import job_create

    job = job_create(kind="evaluate", project=spotting_project,
                     params={"plugin": "fake_spotter", "label_source": "submitted"})
    tasks.evaluate(job.pk)  # and the worker checks again
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "at least two subjects" in job.error


@pytest.mark.django_db
def test_the_evaluate_command_prints_the_spotting_table(spotting_project, fake_spotter):
    out = io.StringIO()
    call_command("evaluate", "--project", spotting_project.name, "--plugin", "fake_spotter", stdout=out,
                 stderr=io.StringIO())
    report = EvaluationReport.objects.get()
    text = out.getvalue()
    assert f"report {report.pk}: spotting F1 0.653 (IoU >= 0.5)  videos=16  subjects=4" in text
    assert f"report {report.pk}: UF1" not in text, "no recognition line for a spotter"
    lines = {line.split()[0]: line.split()[1:] for line in text.splitlines() if line.strip().startswith(
        ("micro", "macro", "overall"))}
    assert lines["micro"] == ["16", "0", "0", "1.000", "1.000", "1.000"]
    assert lines["macro"] == ["0", "16", "1", "0.000", "0.000", "0.000"]
    assert lines["overall"] == ["16", "16", "1", "0.500", "0.941", "0.653"]
    assert "P01: TP 4  FP 4  FN 1" in text
