"""The one leave-one-subject-out evaluator every plugin goes through.

Per fold the plugin is fitted on the other subjects' labelled clips and asked to predict
the held-out subject's clips given only the timing of their events. All predictions are
pooled before any figure is computed (protocols.md), so the numbers mean the same for
every plugin. The evaluator owns the split; a plugin never receives a test label, and
nothing the test subject holds picks an epoch or a threshold.
"""

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mlbackend.contract import ClipInput, LabeledClip, Plugin, Progress
from mlbackend.evaluation.metrics import recognition_metrics


class EvaluationCancelled(Exception):
    pass


@dataclass(frozen=True)
class PooledSample:
    clip_id: int | str
    subject: str
    dataset: str
    onset: int
    apex: int | None
    offset: int
    true: str
    predicted: str
    probs: dict[str, float]
    fold: str


@dataclass
class LosoResult:
    labels: list[str]
    samples: list[PooledSample]
    folds: list[dict] = field(default_factory=list)

    def _metrics(self, samples: Sequence[PooledSample]) -> dict:
        return recognition_metrics([s.true for s in samples], [s.predicted for s in samples], self.labels)

    @property
    def overall(self) -> dict:
        return self._metrics(self.samples)

    @property
    def per_dataset(self) -> dict[str, dict]:
        datasets = sorted({s.dataset for s in self.samples})
        return {name: self._metrics([s for s in self.samples if s.dataset == name]) for name in datasets}

    @property
    def per_subject(self) -> list[dict]:
        rows = []
        for subject in sorted({s.subject for s in self.samples}):
            metrics = self._metrics([s for s in self.samples if s.subject == subject])
            rows.append({"subject": subject, "n": metrics["n"], "accuracy": metrics["accuracy"],
                         "f1": metrics["uf1"], "recall": metrics["uar"]})
        return rows

    def to_dict(self) -> dict:
        return {
            "labels": self.labels, "overall": self.overall, "per_dataset": self.per_dataset,
            "per_subject": self.per_subject, "folds": self.folds,
            "samples": [dataclasses.asdict(s) for s in self.samples],
        }


def recognisable(clip: LabeledClip, labels: Sequence[str]) -> list:
    return [event for event in clip.events if event.emotion in labels]


def timing_only(clip: LabeledClip, labels: Sequence[str]) -> ClipInput:
    """The held-out clip as the plugin may see it: frames and where to look, no labels."""
    return dataclasses.replace(clip.clip, segments=tuple(e.segment for e in recognisable(clip, labels)))


def loso_evaluate(
    plugin_factory: Callable[[], Plugin], data: Sequence[LabeledClip], *, labels: Sequence[str], workdir: Path,
    progress: Progress, device: str = "cpu", seed: int = 0, should_stop: Callable[[], bool] = lambda: False,
) -> LosoResult:
    labels = list(labels)
    data = [clip for clip in data if recognisable(clip, labels)]
    subjects = sorted({clip.clip.subject for clip in data})
    if len(subjects) < 2:
        raise ValueError("Leave-one-subject-out needs labelled clips of at least two subjects.")
    result = LosoResult(labels=labels, samples=[])
    for index, subject in enumerate(subjects):
        if should_stop():
            raise EvaluationCancelled(f"cancelled before fold {index + 1} of {len(subjects)}")
        started = time.monotonic()
        train = [clip for clip in data if clip.clip.subject != subject]
        test = [clip for clip in data if clip.clip.subject == subject]
        fold_span = 1.0 / len(subjects)

        def fold_progress(fraction: float, message: str, _index=index, _subject=subject) -> None:
            progress((_index + 0.9 * fraction) * fold_span, f"fold {_index + 1}/{len(subjects)} ({_subject}): {message}")

        plugin = plugin_factory()
        checkpoint = plugin.fit(train, workdir=Path(workdir) / f"fold-{index:03d}", progress=fold_progress,
                                device=device, seed=seed)
        plugin.load(checkpoint, device=device)
        predictions = plugin.predict([timing_only(clip, labels) for clip in test])
        result.samples.extend(_pool(test, predictions, labels, subject))
        result.folds.append({"subject": subject, "n_train": len(train), "n_test": len(test),
                             "seconds": round(time.monotonic() - started, 3)})
        progress((index + 1) * fold_span, f"fold {index + 1}/{len(subjects)} done")
    return result


def _pool(test: Sequence[LabeledClip], predictions, labels: Sequence[str], fold: str) -> list[PooledSample]:
    by_clip = {prediction.clip_id: prediction for prediction in predictions}
    pooled = []
    for clip in test:
        prediction = by_clip.get(clip.clip.clip_id)
        events = recognisable(clip, labels)
        if prediction is None or len(prediction.events) != len(events):
            raise ValueError(f"The plugin returned no prediction per segment for clip {clip.clip.clip_id}.")
        for event, predicted in zip(events, prediction.events):
            pooled.append(PooledSample(
                clip_id=clip.clip.clip_id, subject=clip.clip.subject, dataset=clip.clip.dataset,
                onset=event.onset, apex=event.apex, offset=event.offset, true=event.emotion,
                predicted=predicted.emotion, probs=dict(predicted.emotion_probs), fold=fold,
            ))
    return pooled
