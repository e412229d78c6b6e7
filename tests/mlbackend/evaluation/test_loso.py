import dataclasses

import numpy as np
import pytest

from mlbackend.contract import ArrayFrames, ClipInput, Event, LabeledClip
from mlbackend.evaluation.loso import loso_evaluate
from mlbackend.evaluation.metrics import recognition_metrics
from plugins.dummy import DummyPlugin

LABELS = ["negative", "positive", "surprise"]


def tiny_clip(clip_id: str, subject: str, emotion: str, dataset: str = "synthetic") -> LabeledClip:
    frames = np.zeros((12, 8, 8, 3), dtype=np.uint8)
    clip = ClipInput(clip_id=clip_id, subject=subject, dataset=dataset, fps=200.0, n_frames=12,
                     frames=ArrayFrames(frames))
    return LabeledClip(clip=clip, events=(Event(onset=2, apex=5, offset=9, emotion=emotion),))


def tiny_set() -> list[LabeledClip]:
    emotions = ["negative", "negative", "positive", "surprise"]
    return [tiny_clip(f"{s}-{i}", s, e, dataset="a" if s < "s3" else "b")
            for s in ("s1", "s2", "s3", "s4") for i, e in enumerate(emotions)]


class SpyPlugin(DummyPlugin):
    """Remembers what it was given, to prove the split and the stripping of labels."""

    seen: list = []

    def fit(self, train, **kwargs):
        SpyPlugin.seen.append(("fit", sorted({c.clip.subject for c in train})))
        return super().fit(train, **kwargs)

    def predict(self, clips):
        SpyPlugin.seen.append(("predict", clips))
        return super().predict(clips)


def _walk_values(value, depth=0):
    yield value
    if depth < 4 and dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            yield from _walk_values(getattr(value, f.name), depth + 1)
    elif depth < 4 and isinstance(value, (tuple, list)):
        for item in value:
            yield from _walk_values(item, depth + 1)


def test_each_fold_trains_on_other_subjects_and_predicts_without_labels(tmp_path):
    SpyPlugin.seen = []
    data = tiny_set()

    loso_evaluate(lambda: SpyPlugin(labels=LABELS), data, labels=LABELS, workdir=tmp_path,
                  progress=lambda f, m: None)

    fits = [subjects for kind, subjects in SpyPlugin.seen if kind == "fit"]
    predicts = [clips for kind, clips in SpyPlugin.seen if kind == "predict"]
    assert fits == [[s for s in ("s1", "s2", "s3", "s4") if s != held_out] for held_out in ("s1", "s2", "s3", "s4")]
    for held_out, clips in zip(("s1", "s2", "s3", "s4"), predicts):
        assert {clip.subject for clip in clips} == {held_out}
        for clip in clips:
            assert isinstance(clip, ClipInput) and not isinstance(clip, LabeledClip)
            assert clip.segments, "the plugin is told where the events are"
            leaked = [v for v in _walk_values(clip) if isinstance(v, (str, Event)) and v in LABELS or isinstance(v, Event)]
            assert leaked == [], "no emotion label or Event reaches predict()"


def test_pooled_metrics_equal_metrics_recomputed_from_the_pooled_samples(tmp_path):
    result = loso_evaluate(lambda: DummyPlugin(labels=LABELS), tiny_set(), labels=LABELS, workdir=tmp_path,
                           progress=lambda f, m: None)

    truth = [s.true for s in result.samples]
    guesses = [s.predicted for s in result.samples]
    assert len(result.samples) == 16
    assert result.overall == recognition_metrics(truth, guesses, LABELS)
    assert set(result.per_dataset) == {"a", "b"}
    assert result.per_dataset["a"]["n"] == 8
    assert [row["subject"] for row in result.per_subject] == ["s1", "s2", "s3", "s4"]


def test_same_seed_and_data_give_the_same_figures(tmp_path):
    run = lambda folder: loso_evaluate(lambda: DummyPlugin(labels=LABELS), tiny_set(), labels=LABELS,  # noqa: E731
                                       workdir=tmp_path / folder, progress=lambda f, m: None, seed=3).to_dict()
    first, second = run("a"), run("b")
    for result in (first, second):
        for fold in result["folds"]:
            fold.pop("seconds")
    assert first == second


def test_progress_is_monotonic_and_ends_at_one(tmp_path):
    seen = []
    loso_evaluate(lambda: DummyPlugin(labels=LABELS), tiny_set(), labels=LABELS, workdir=tmp_path,
                  progress=lambda fraction, message: seen.append(fraction))
    assert seen == sorted(seen)
    assert seen[-1] == pytest.approx(1.0)


def test_one_subject_is_refused_with_a_clear_message(tmp_path):
    with pytest.raises(ValueError, match="at least two subjects"):
        loso_evaluate(lambda: DummyPlugin(labels=LABELS), tiny_set()[:4], labels=LABELS, workdir=tmp_path,
                      progress=lambda f, m: None)


def test_leave_one_video_out_holds_out_each_video_and_says_so(tmp_path):
    from mlbackend.evaluation.loso import LOVO_WARNING

    frames = ArrayFrames(np.zeros((10, 8, 8, 3), np.uint8))
    data = [LabeledClip(ClipInput(clip_id=f"{s}-{c}", subject=s, dataset="SAMM" if s == "A" else "CASME II", fps=100,
                                  n_frames=10, frames=frames),
                        (Event(1, 3, 6, emotion=["positive", "negative"][c % 2]),))
            for s in ("A", "B") for c in range(3)]
    plugin = DummyPlugin
    result = loso_evaluate(lambda: plugin(labels=["positive", "negative"]), data, labels=["positive", "negative"],
                           workdir=tmp_path, progress=lambda f, m: None, protocol="lovo")
    assert [fold["n_test"] for fold in result.folds] == [1] * 6
    assert [fold["n_train"] for fold in result.folds] == [5] * 6  # the test subject's other videos train
    assert result.to_dict()["protocol"] == "lovo" and result.to_dict()["protocol_warning"] == LOVO_WARNING
    assert set(result.per_dataset) == {"SAMM", "CASME II"}
    subject_wise = loso_evaluate(lambda: plugin(labels=["positive", "negative"]), data, labels=["positive", "negative"],
                                 workdir=tmp_path, progress=lambda f, m: None)
    assert [fold["n_test"] for fold in subject_wise.folds] == [3, 3] and subject_wise.protocol == "loso"
    with pytest.raises(ValueError, match="protocol"):
        loso_evaluate(lambda: plugin(labels=["positive", "negative"]), data, labels=["positive", "negative"],
                      workdir=tmp_path, progress=lambda f, m: None, protocol="kfold")
