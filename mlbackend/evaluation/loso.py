"""The one leave-one-subject-out evaluator every plugin goes through.

Per fold the plugin is fitted on the other subjects' labelled clips and asked to predict
the held-out subject's clips given only the timing of their events. All predictions are
pooled before any figure is computed (docs/protocols.md), so the numbers mean the same for
every plugin. The evaluator owns the split; a plugin never receives a test label, and
nothing the test subject holds picks an epoch or a threshold.

AU detection: every pooled sample also carries the AU numbers coded on its event and the
plugin's `au_probs`. When the plugin declares the "aus" capability and the evaluator is given
an AU set, `LosoResult.au_metrics` scores them (mlbackend.evaluation.au_metrics: per-AU F1 of
the positive class on the pooled predictions, and their mean). A plugin with "aus" but not
"emotion" is evaluated on the events that carry at least one coded AU; its emotion figures
(`overall`, `per_dataset`) are then empty and `labels` may be empty.

Protocols: "loso" (default) holds out one subject per fold. "lovo" (leave-one-video-out) holds
out one clip per fold, because the fused five-dataset baseline is published under it; the same
subject's other clips then sit in the training set, so its figures are not comparable to LOSO
and the result says so (`protocol`, `protocol_warning`).
"""

import dataclasses
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mlbackend.contract import AUS, EMOTION, ClipInput, LabeledClip, Plugin, Progress
from mlbackend.evaluation.au_metrics import au_metrics
from mlbackend.evaluation.fold_store import FoldStore
from mlbackend.evaluation.metrics import recognition_metrics


class EvaluationCancelled(Exception):
    pass


LOSO, LOVO = "loso", "lovo"
PROTOCOLS = {LOSO: "leave-one-subject-out", LOVO: "leave-one-video-out"}
LOVO_WARNING = ("Leave-one-video-out: a subject's other videos are in the training set of every fold that tests one "
                "of its videos, so subjects appear on both sides; not comparable with leave-one-subject-out figures.")


def protocol_warning(protocol: str) -> str:
    return LOVO_WARNING if protocol == LOVO else ""


def check_protocol(protocol: str) -> str:
    if protocol not in PROTOCOLS:
        raise ValueError(f"Unknown protocol {protocol!r}; choose {' or '.join(PROTOCOLS)}.")
    return protocol


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
    true_aus: tuple[int, ...] = ()  # AU numbers coded on the event
    au_probs: dict[int, float] = field(default_factory=dict)  # the plugin's probability per AU


@dataclass
class LosoResult:
    labels: list[str]
    samples: list[PooledSample]
    folds: list[dict] = field(default_factory=list)
    aus: list[int] = field(default_factory=list)  # AUs scored by au_metrics; empty: no AU evaluation
    emotion: bool = True  # False for an AU-only plugin: no emotion figures
    protocol: str = LOSO

    def _metrics(self, samples: Sequence[PooledSample]) -> dict:
        if not self.emotion:
            return {}
        return recognition_metrics([s.true for s in samples], [s.predicted for s in samples], self.labels)

    def _au_metrics(self, samples: Sequence[PooledSample]) -> dict:
        if not self.aus:
            return {}
        return au_metrics([s.true_aus for s in samples], [s.au_probs for s in samples], self.aus)

    @property
    def au_metrics(self) -> dict:
        """Per-AU F1 (positive class), precision, recall, support and the mean F1; {} without AU evaluation."""
        return self._au_metrics(self.samples)

    @property
    def overall(self) -> dict:
        return self._metrics(self.samples)

    @property
    def per_dataset(self) -> dict[str, dict]:
        if not self.emotion:
            return {}
        datasets = sorted({s.dataset for s in self.samples})
        return {name: self._metrics([s for s in self.samples if s.dataset == name]) for name in datasets}

    @property
    def per_subject(self) -> list[dict]:
        rows = []
        for subject in sorted({s.subject for s in self.samples}):
            mine = [s for s in self.samples if s.subject == subject]
            row = {"subject": subject, "n": len(mine)}
            if self.emotion:
                metrics = self._metrics(mine)
                row.update(accuracy=metrics["accuracy"], f1=metrics["uf1"], recall=metrics["uar"])
            if self.aus:
                row["au_mean_f1"] = self._au_metrics(mine)["mean_f1"]
            rows.append(row)
        return rows

    def to_dict(self) -> dict:
        return {
            "labels": self.labels, "overall": self.overall, "per_dataset": self.per_dataset,
            "per_subject": self.per_subject, "folds": self.folds, "aus": self.aus, "au_metrics": self.au_metrics,
            "protocol": self.protocol, "protocol_warning": protocol_warning(self.protocol),
            "samples": [dataclasses.asdict(s) for s in self.samples],
        }


def recognisable(clip: LabeledClip, labels: Sequence[str], aus_only: bool = False) -> list:
    """The events scored: those with an emotion among `labels`, or (AU-only) those with a coded AU."""
    if aus_only:
        return [event for event in clip.events if event.aus]
    return [event for event in clip.events if event.emotion in labels]


def timing_only(clip: LabeledClip, labels: Sequence[str], aus_only: bool = False) -> ClipInput:
    """The held-out clip as the plugin may see it: frames and where to look, no labels."""
    return dataclasses.replace(clip.clip, segments=tuple(e.segment for e in recognisable(clip, labels, aus_only)))


@dataclass
class Fold:
    index: int
    subject: str
    train: list[LabeledClip]
    test: list[LabeledClip]
    progress: Progress  # the fold's share of the run's progress
    started: float = field(default_factory=time.monotonic)

    def summary(self, **extra) -> dict:
        return {"subject": self.subject, "n_train": len(self.train), "n_test": len(self.test), **extra,
                "seconds": round(time.monotonic() - self.started, 3)}


def held_out_folds(data: Sequence[LabeledClip], units: Sequence[str], unit_of: Callable[[LabeledClip], str], *,
                   progress: Progress, should_stop: Callable[[], bool]) -> Iterator[Fold]:
    """One fold per unit (a subject, or a video): its clips are the test set, every other clip trains."""
    span = 1.0 / len(units)
    for index, unit in enumerate(units):
        if should_stop():
            raise EvaluationCancelled(f"cancelled before fold {index + 1} of {len(units)}")

        def fold_progress(fraction: float, message: str, _index=index, _unit=unit) -> None:
            progress((_index + 0.9 * fraction) * span, f"fold {_index + 1}/{len(units)} ({_unit}): {message}")

        yield Fold(index, unit, [c for c in data if unit_of(c) != unit], [c for c in data if unit_of(c) == unit],
                   fold_progress)
        progress((index + 1) * span, f"fold {index + 1}/{len(units)} done")


def subject_folds(data: Sequence[LabeledClip], subjects: Sequence[str], *, progress: Progress,
                  should_stop: Callable[[], bool]) -> Iterator[Fold]:
    """The leave-one-subject-out split every evaluator uses, with progress and cancellation between folds."""
    return held_out_folds(data, subjects, lambda clip: clip.clip.subject, progress=progress, should_stop=should_stop)


def video_key(clip: LabeledClip) -> str:
    return f"{clip.clip.subject}/{clip.clip.clip_id}"


def protocol_folds(data: Sequence[LabeledClip], protocol: str, *, progress: Progress,
                   should_stop: Callable[[], bool]) -> Iterator[Fold]:
    if protocol == LOVO:
        videos = list(dict.fromkeys(video_key(clip) for clip in data))
        if len(videos) < 2:
            raise ValueError("Leave-one-video-out needs labelled codes on at least two videos.")
        return held_out_folds(data, videos, video_key, progress=progress, should_stop=should_stop)
    subjects = sorted({clip.clip.subject for clip in data})
    return subject_folds(data, subjects, progress=progress, should_stop=should_stop)


def fit_fold(plugin_factory: Callable[[], Plugin], fold: Fold, *, workdir: Path, device: str, seed: int) -> Plugin:
    plugin = plugin_factory()
    checkpoint = plugin.fit(fold.train, workdir=Path(workdir) / f"fold-{fold.index:03d}", progress=fold.progress,
                            device=device, seed=seed)
    plugin.load(checkpoint, device=device)
    return plugin


def loso_evaluate(
    plugin_factory: Callable[[], Plugin], data: Sequence[LabeledClip], *, labels: Sequence[str], workdir: Path,
    progress: Progress, device: str = "cpu", seed: int = 0, should_stop: Callable[[], bool] = lambda: False,
    aus: Sequence[int] | None = None, protocol: str = LOSO, store: FoldStore | None = None,
    trainer: str = "auto",
) -> LosoResult:
    """The entry point: fold by fold, or mlbackend.nets.fast.loso_fast for the flow-map networks (every
    FlowNetPlugin: same split, samples and figures; inputs computed once, folds trained side by side).
    `protocol`: "loso" or "lovo" (leave-one-video-out, always fold by fold). `store`: finished folds are
    saved there and a rerun skips them (mlbackend.evaluation.fold_store). `trainer`: loso_fast's fold
    trainer ("auto", "processes", "threads", "vmap")."""
    check_protocol(protocol)
    probe = plugin_factory()
    if protocol == LOSO and getattr(probe, "fold_parallel", False):
        from mlbackend.nets.fast import loso_fast, supports_loso_fast

        if supports_loso_fast(probe):
            return loso_fast(plugin_factory, data, labels=list(labels), workdir=workdir, progress=progress,
                             device=device, seed=seed, should_stop=should_stop, store=store, trainer=trainer)
    return loso_fold_by_fold(plugin_factory, data, labels=labels, workdir=workdir, progress=progress, device=device,
                             seed=seed, should_stop=should_stop, aus=aus, protocol=protocol, store=store)


def loso_fold_by_fold(
    plugin_factory: Callable[[], Plugin], data: Sequence[LabeledClip], *, labels: Sequence[str], workdir: Path,
    progress: Progress, device: str = "cpu", seed: int = 0, should_stop: Callable[[], bool] = lambda: False,
    aus: Sequence[int] | None = None, protocol: str = LOSO, store: FoldStore | None = None,
) -> LosoResult:
    """`aus`: the AU numbers to score for a plugin with the "aus" capability (None: every AU coded in
    `data`; empty: no AU figures). A plugin with "aus" but not "emotion" is scored on AUs only."""
    labels = list(labels)
    capabilities = getattr(plugin_factory(), "capabilities", frozenset())
    aus_only = AUS in capabilities and EMOTION not in capabilities
    data = [clip for clip in data if recognisable(clip, labels, aus_only)]
    subjects = sorted({clip.clip.subject for clip in data})
    if protocol == LOSO and len(subjects) < 2:
        raise ValueError("Leave-one-subject-out needs labelled clips of at least two subjects.")
    if aus is None:
        aus = sorted({au.number for clip in data for event in clip.events for au in event.aus})
    scored_aus = sorted({int(n) for n in aus}) if AUS in capabilities else []
    if aus_only and not scored_aus:
        raise ValueError("An AU detector needs an AU set to score.")
    result = LosoResult(labels=labels, samples=[], aus=scored_aus, emotion=not aus_only,
                        protocol=check_protocol(protocol))
    for fold in protocol_folds(data, protocol, progress=progress, should_stop=should_stop):
        saved = store.load(fold.index, fold.subject, fold.train, fold.test) if store is not None else None
        if saved is None:
            plugin = fit_fold(plugin_factory, fold, workdir=workdir, device=device, seed=seed)
            predictions = plugin.predict([timing_only(clip, labels, aus_only) for clip in fold.test])
            saved = _pool(fold.test, predictions, labels, fold.subject, aus_only=aus_only), fold.summary()
            if store is not None:
                store.save(fold.index, fold.subject, fold.train, fold.test, *saved)
        result.samples.extend(saved[0])
        result.folds.append(saved[1])
    return result


def _pool(test: Sequence[LabeledClip], predictions, labels: Sequence[str], fold: str, *,
          aus_only: bool = False) -> list[PooledSample]:
    by_clip = {prediction.clip_id: prediction for prediction in predictions}
    pooled = []
    for clip in test:
        prediction = by_clip.get(clip.clip.clip_id)
        events = recognisable(clip, labels, aus_only)
        if prediction is None or len(prediction.events) != len(events):
            raise ValueError(f"The plugin returned no prediction per segment for clip {clip.clip.clip_id}.")
        for event, predicted in zip(events, prediction.events):
            pooled.append(PooledSample(
                clip_id=clip.clip.clip_id, subject=clip.clip.subject, dataset=clip.clip.dataset,
                onset=event.onset, apex=event.apex, offset=event.offset, true=event.emotion,
                predicted=predicted.emotion, probs=dict(predicted.emotion_probs), fold=fold,
                true_aus=tuple(sorted({au.number for au in event.aus})),
                au_probs={int(n): float(p) for n, p in predicted.au_probs.items()},
            ))
    return pooled
