import dataclasses

import numpy as np
import pytest
from sklearn.metrics import f1_score, precision_score, recall_score

from mlbackend.contract import AUS, AU, ClipPrediction, Event, LabeledClip, Plugin, PredictedEvent
from mlbackend.checkpoints import read_checkpoint, write_checkpoint
from mlbackend.evaluation.au_metrics import au_metrics
from mlbackend.evaluation.loso import loso_evaluate
from tests.plugins.clipfactory import CLASSES, make_set


def test_per_au_f1_equals_sklearn_on_pooled_random_predictions():
    rng = np.random.default_rng(0)
    aus = [1, 2, 4, 12, 14]
    truth = [{n for n in aus if rng.random() < 0.3} for _ in range(200)]
    probs = [{n: float(rng.random()) for n in aus if rng.random() < 0.9} for _ in range(200)]  # some AUs missing
    result = au_metrics(truth, probs, aus)
    f1s = []
    for n in aus:
        y_true = [n in t for t in truth]
        y_pred = [p.get(n, 0.0) >= 0.5 for p in probs]
        m = result["per_au"][n]
        assert m["f1"] == pytest.approx(f1_score(y_true, y_pred))
        assert m["precision"] == pytest.approx(precision_score(y_true, y_pred, zero_division=0))
        assert m["recall"] == pytest.approx(recall_score(y_true, y_pred))
        assert m["support"] == sum(y_true)
        f1s.append(f1_score(y_true, y_pred))
    assert result["mean_f1"] == pytest.approx(np.mean(f1s))
    assert result["n"] == 200 and result["aus"] == aus


def test_aus_nobody_coded_are_listed_but_not_averaged_and_string_keys_are_read():
    result = au_metrics([{1}, set(), {1}], [{"1": 0.9}, {"1": 0.2, "7": 0.8}, {1: 0.4}], [1, 7])
    assert result["per_au"][1] == {"f1": pytest.approx(2 / 3), "precision": 1.0, "recall": 0.5,
                                   "support": 2, "predicted": 1}
    assert result["per_au"][7]["support"] == 0 and result["per_au"][7]["f1"] == 0.0
    assert result["mean_f1"] == pytest.approx(2 / 3) and result["n_scored"] == 1
    with pytest.raises(ValueError):
        au_metrics([{1}], [], [1])


def test_a_hand_computed_case_and_the_threshold_is_inclusive():
    """AU 4 coded on samples 0, 1, 2; predicted (p >= 0.5) on 0, 1, 3: TP 2, FP 1, FN 1 -> P = R = F1 = 2/3.
    AU 12 coded on sample 3 only and predicted nowhere: F1 0, recall 0, precision 0 (undefined -> 0)."""
    truth = [{4}, {4}, {4}, {12}]
    probs = [{4: 0.5}, {4: 0.9, 12: 0.49}, {4: 0.1}, {4: 0.7}]
    result = au_metrics(truth, probs, [12, 4])
    assert result["aus"] == [4, 12]
    assert result["per_au"][4] == {"f1": pytest.approx(2 / 3), "precision": pytest.approx(2 / 3),
                                   "recall": pytest.approx(2 / 3), "support": 3, "predicted": 3}
    assert result["per_au"][12] == {"f1": 0.0, "precision": 0.0, "recall": 0.0, "support": 1, "predicted": 0}
    assert result["mean_f1"] == pytest.approx((2 / 3 + 0) / 2) and result["n_scored"] == 2


def test_no_samples_give_zeros():
    result = au_metrics([], [], [1, 2])
    assert result["mean_f1"] == 0.0 and result["per_au"][1]["support"] == 0 and result["n"] == 0


class OracleishAuPlugin(Plugin):
    """AU-only fake: AU 1 for the 'brow' motion (it reads the mean brightness change of the upper
    third), AU 12 otherwise. It never sees labels at prediction time."""

    name = "fake_au"
    version = "0.1"
    capabilities = frozenset({AUS})

    def fit(self, train, *, workdir, progress, device, seed):
        assert any(e.aus for c in train for e in c.events)  # whole training clips; the plugin picks events
        progress(1.0, "done")
        return write_checkpoint(workdir / "fake.pt", {"aus": [1, 12]})

    def load(self, checkpoint, *, device):
        self.state = read_checkpoint(checkpoint)
        self.model_version = "fake_au-0.1+x"

    def predict(self, clips):
        out = []
        for clip in clips:
            events = []
            for s in clip.segments:
                top = lambda i: float(np.asarray(clip.frames[i])[:43].astype(float).mean())  # noqa: E731
                bottom = lambda i: float(np.asarray(clip.frames[i])[85:].astype(float).mean())  # noqa: E731
                brow = abs(top(s.apex) - top(s.onset)) > abs(bottom(s.apex) - bottom(s.onset))
                events.append(PredictedEvent(s.onset, s.apex, s.offset, score=0.5,
                                             au_probs={1: 0.9 if brow else 0.1, 12: 0.1 if brow else 0.9}))
            out.append(ClipPrediction(clip.clip_id, tuple(events), 0.5, self.model_version))
        return out


def test_the_evaluator_scores_an_au_only_plugin_on_pooled_predictions(tmp_path):
    data = make_set(3, 2, n_frames=30, seed=5)
    # one event without AUs and one without an emotion: the AU evaluation keeps only the coded-AU one
    clip = data[0]
    data[0] = LabeledClip(clip.clip, clip.events + (Event(1, 2, 3, emotion=""),))
    data[1] = LabeledClip(data[1].clip, tuple(dataclasses.replace(e, emotion="") for e in data[1].events))
    result = loso_evaluate(OracleishAuPlugin, data, labels=[], workdir=tmp_path, progress=lambda f, m: None,
                           aus=[1, 12, 4])
    assert result.overall == {} and result.per_dataset == {}
    assert len(result.samples) == 12 and all(s.true_aus for s in result.samples)
    metrics = result.au_metrics
    assert set(metrics["per_au"]) == {1, 4, 12} and metrics["per_au"][4]["support"] == 0
    truth = [set(s.true_aus) for s in result.samples]
    for n in (1, 12):
        expected = f1_score([n in t for t in truth], [s.au_probs[n] >= 0.5 for s in result.samples])
        assert metrics["per_au"][n]["f1"] == pytest.approx(expected)
    assert metrics["mean_f1"] == pytest.approx(np.mean([metrics["per_au"][1]["f1"], metrics["per_au"][12]["f1"]]))
    assert [row["subject"] for row in result.per_subject] == ["s00", "s01", "s02"]
    assert all("au_mean_f1" in row and "accuracy" not in row for row in result.per_subject)
    as_dict = result.to_dict()
    assert as_dict["au_metrics"]["mean_f1"] == metrics["mean_f1"] and as_dict["samples"][0]["au_probs"]


def test_an_emotion_plugin_keeps_its_figures_and_gets_no_au_figures(tmp_path):
    from plugins.dummy import DummyPlugin
    from plugins.flow_svm import FlowSvmPlugin

    data = make_set(3, 1, n_frames=30, seed=5)
    result = loso_evaluate(FlowSvmPlugin, data, labels=CLASSES, workdir=tmp_path, progress=lambda f, m: None,
                           aus=[1, 12])
    assert result.overall["n"] == 6 and result.au_metrics == {}
    both = loso_evaluate(DummyPlugin, data, labels=CLASSES, workdir=tmp_path / "d", progress=lambda f, m: None)
    assert both.overall["n"] == 6 and set(both.au_metrics["per_au"]) == {1, 12}


def test_au_numbers_of_the_truth():
    data = make_set(2, 1, n_frames=30, seed=1)
    assert {a.number for c in data for e in c.events for a in e.aus} == {1, 12}
    assert isinstance(data[0].events[0].aus[0], AU)


@pytest.fixture
def fake_au_registered():
    from mlbackend.registry import register, unregister

    class CodedAuPlugin(OracleishAuPlugin):
        """AU-only fake for the web flow: AU 1 with probability 0.9 on every segment."""

        name = "fake_au_web"

        def predict(self, clips):
            return [ClipPrediction(c.clip_id, tuple(PredictedEvent(s.onset, s.apex, s.offset, score=0.5,
                                                                   au_probs={1: 0.9, 12: 0.2}) for s in c.segments),
                                   0.5, self.model_version) for c in clips]

    register(CodedAuPlugin)
    yield CodedAuPlugin.name
    unregister(CodedAuPlugin.name)


@pytest.mark.django_db
def test_an_au_only_plugin_is_evaluated_by_a_job_and_its_report_shows_the_au_table(lead_api, coded_project,
                                                                                  fake_au_registered):
    from annotator.models import CodingEvent, Job
    from mlbackend import tasks
    from mlbackend.models import EvaluationReport

    for i, event in enumerate(CodingEvent.objects.filter(clip__project=coded_project).order_by("id")):
        event.aus = [{"number": 1}] if i % 2 == 0 else [{"number": 12, "side": "R"}]
        event.save(update_fields=["aus"])
    response = lead_api.post(f"/api/projects/{coded_project.pk}/ml/jobs/",
                             {"kind": "evaluate", "plugin": fake_au_registered, "label_source": "submitted"},
                             format="json")
    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["id"])
    tasks.evaluate(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    report = EvaluationReport.objects.get(job=job)
    assert report.overall == {} and report.labels == []
    per_au = report.au_metrics["per_au"]
    assert per_au["1"]["f1"] == pytest.approx(2 / 3) and per_au["12"]["f1"] == 0.0
    assert report.au_metrics["mean_f1"] == pytest.approx(1 / 3)
    page = lead_api.get(f"/ml/reports/{report.pk}/")
    assert page.status_code == 200
    assert b'id="per-au"' in page.content and b"AU12" in page.content and b"0.333" in page.content
    assert b'id="uf1"' not in page.content
    assert lead_api.get(f"/ml/reports/{report.pk}/download.json").status_code == 200
