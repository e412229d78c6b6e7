"""Spotting evaluation (docs/protocols.md, MEGC rule) and the one leave-one-subject-out loop for spotters.

Matching rule
-------------
A predicted interval is a true positive when its IoU with a ground-truth onset..offset interval
is at least 0.5, on inclusive frames:

    inter = min(end_a, end_b) - max(start_a, start_b) + 1      (no overlap when <= 0)
    union = len_a + len_b - inter,  len = end - start + 1
    IoU   = inter / union

Each ground-truth event matches at most one prediction and each prediction at most one
ground-truth event. Among the pairs with IoU >= 0.5 the assignment with the MOST matches is
taken (then, among those, the largest summed IoU), so the count does not depend on the order
in which predictions were listed. Unmatched predictions are false positives, unmatched
ground-truth events false negatives.

Micro, macro and overall (MEGC practice)
----------------------------------------
MEGC evaluates micro- and macro-expression spotting separately: a spotter emits intervals of
each kind (in the MEGC baseline the kind follows from the pass and the length filter that
produced the interval), and micro predictions are matched against micro ground truth only,
macro predictions against macro ground truth only. So the kind of a prediction is its
`kind` field ("micro" or "macro"); a micro interval lying on a macro event is a false
positive for micro and leaves the macro event a false negative unless a macro prediction
found it. Overall TP, FP and FN are the sums of the micro and macro counts, and the overall
precision, recall and F1 are computed from those sums. Everything is pooled over all
videos before any ratio is taken:

    precision = TP / (TP + FP),  recall = TP / (TP + FN),  F1 = 2 P R / (P + R) = 2TP / (2TP + FP + FN)

(0 where a denominator is 0.)
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mlbackend.contract import ClipPrediction, LabeledClip, Plugin, Progress
from mlbackend.evaluation.fold_store import FoldStore
from mlbackend.evaluation.loso import fit_fold, subject_folds

KINDS = ("micro", "macro")
IOU_THRESHOLD = 0.5


@dataclass(frozen=True)
class Interval:
    onset: int
    offset: int
    kind: str = "micro"

    @property
    def length(self) -> int:
        return self.offset - self.onset + 1


def as_interval(item) -> Interval:
    """An Event, PredictedEvent, Segment-like object (onset, offset, kind), a dict or a tuple
    (onset, offset[, kind]) as an Interval. A missing kind reads as "micro"."""
    if isinstance(item, Interval):
        return item
    if isinstance(item, dict):
        onset, offset, kind = item["onset"], item["offset"], item.get("kind", "micro")
    elif isinstance(item, (tuple, list)):
        onset, offset = item[0], item[1]
        kind = item[2] if len(item) > 2 else "micro"
    else:
        onset, offset, kind = item.onset, item.offset, getattr(item, "kind", "micro")
    onset, offset = int(onset), int(offset)
    if offset < onset:
        raise ValueError(f"interval {onset}..{offset} ends before it starts")
    if kind not in KINDS:
        raise ValueError(f"interval kind {kind!r} is neither 'micro' nor 'macro'")
    return Interval(onset, offset, kind)


def interval_iou(a, b) -> float:
    """IoU of two inclusive frame intervals (anything `as_interval` reads, kinds ignored)."""
    a, b = as_interval(a), as_interval(b)
    inter = min(a.offset, b.offset) - max(a.onset, b.onset) + 1
    if inter <= 0:
        return 0.0
    return inter / (a.length + b.length - inter)


def match_intervals(
    truth: Sequence, predicted: Sequence, threshold: float = IOU_THRESHOLD,
) -> list[tuple[int, int, float]]:
    """One-to-one matches (truth index, prediction index, IoU) with IoU >= threshold: the
    largest number of matches, then the largest summed IoU (a maximum-weight assignment)."""
    truth = [as_interval(t) for t in truth]
    predicted = [as_interval(p) for p in predicted]
    if not truth or not predicted:
        return []
    iou = np.array([[interval_iou(t, p) for p in predicted] for t in truth], dtype=np.float64)
    allowed = iou >= threshold
    if not allowed.any():
        return []
    from scipy.optimize import linear_sum_assignment

    # Each allowed pair is worth 1 (a match) plus a bonus below 1 / min(n, m) for its IoU, so no
    # set of IoU bonuses can outweigh one more match.
    bonus = iou / (min(iou.shape) + 1)
    weight = np.where(allowed, 1.0 + bonus, 0.0)
    rows, cols = linear_sum_assignment(weight, maximize=True)
    return [(int(r), int(c), float(iou[r, c])) for r, c in zip(rows, cols) if allowed[r, c]]


def _ratios(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "n_true": tp + fn, "n_predicted": tp + fp,
            "precision": precision, "recall": recall, "f1": f1}


def spotting_counts(truth: Iterable, predicted: Iterable, threshold: float = IOU_THRESHOLD) -> dict[str, dict]:
    """{kind: {"tp", "fp", "fn"}} for one video, each kind matched on its own."""
    truth = [as_interval(t) for t in truth]
    predicted = [as_interval(p) for p in predicted]
    counts = {}
    for kind in KINDS:
        t = [i for i in truth if i.kind == kind]
        p = [i for i in predicted if i.kind == kind]
        tp = len(match_intervals(t, p, threshold))
        counts[kind] = {"tp": tp, "fp": len(p) - tp, "fn": len(t) - tp}
    return counts


def spotting_metrics(videos: Iterable[tuple[Iterable, Iterable]], threshold: float = IOU_THRESHOLD) -> dict:
    """MEGC spotting figures pooled over videos, each given as (ground_truth_events, predicted_events).

    Returns {"micro": {...}, "macro": {...}, "overall": {...}, "n_videos": n}, each figure set
    holding tp, fp, fn, n_true, n_predicted, precision, recall and f1 (see the module docstring).
    """
    totals = {kind: {"tp": 0, "fp": 0, "fn": 0} for kind in KINDS}
    n_videos = 0
    for truth, predicted in videos:
        n_videos += 1
        for kind, counts in spotting_counts(truth, predicted, threshold).items():
            for key in ("tp", "fp", "fn"):
                totals[kind][key] += counts[key]
    result: dict = {kind: _ratios(**totals[kind]) for kind in KINDS}
    result["overall"] = _ratios(*(sum(totals[kind][key] for kind in KINDS) for key in ("tp", "fp", "fn")))
    result["n_videos"] = n_videos
    result["iou_threshold"] = threshold
    return result


# ---- leave-one-subject-out for spotters ----------------------------------------------------

@dataclass(frozen=True)
class SpottedVideo:
    clip_id: int | str
    subject: str
    dataset: str
    n_frames: int
    truth: tuple[Interval, ...]
    predicted: tuple[dict, ...]  # onset, apex, offset, kind, score
    fold: str


@dataclass
class SpottingLosoResult:
    videos: list[SpottedVideo]
    folds: list[dict] = field(default_factory=list)

    @staticmethod
    def _metrics(videos: Sequence[SpottedVideo]) -> dict:
        return spotting_metrics((v.truth, v.predicted) for v in videos)

    @property
    def overall(self) -> dict:
        """micro / macro / overall figures pooled over every held-out video."""
        return self._metrics(self.videos)

    @property
    def per_dataset(self) -> dict[str, dict]:
        return {name: self._metrics([v for v in self.videos if v.dataset == name])
                for name in sorted({v.dataset for v in self.videos})}

    @property
    def per_subject(self) -> list[dict]:
        rows = []
        for subject in sorted({v.subject for v in self.videos}):
            metrics = self._metrics([v for v in self.videos if v.subject == subject])
            rows.append({"subject": subject, **{k: metrics["overall"][k] for k in ("tp", "fp", "fn", "f1")}})
        return rows

    def to_dict(self) -> dict:
        return {"overall": self.overall, "per_dataset": self.per_dataset, "per_subject": self.per_subject,
                "folds": self.folds, "videos": [dataclasses.asdict(v) for v in self.videos]}


def spotting_input(clip: LabeledClip):
    """The held-out video as a spotter may see it: frames only, no segment and no label."""
    return dataclasses.replace(clip.clip, segments=())


def spotted_video(row: dict) -> SpottedVideo:
    """A saved fold row (mlbackend.evaluation.fold_store) back into a SpottedVideo."""
    return SpottedVideo(**{**row, "truth": tuple(Interval(**t) for t in row["truth"]),
                           "predicted": tuple(row["predicted"])})


def spotting_loso(
    plugin_factory: Callable[[], Plugin], data: Sequence[LabeledClip], *, workdir: Path, progress: Progress,
    device: str = "cpu", seed: int = 0, should_stop: Callable[[], bool] = lambda: False,
    store: FoldStore | None = None,
) -> SpottingLosoResult:
    """Per subject: fit a fresh plugin on the other subjects' videos (with their events), predict
    the held-out subject's videos given NO segments, pool every video, then score (MEGC rule).

    Videos without any labelled event take part (as test videos their predictions are false
    positives); a subject's videos are never seen by the fold that tests them. `store` (a FoldStore
    decoding with `spotted_video`): finished folds are saved there and a rerun skips them.
    """
    subjects = sorted({clip.clip.subject for clip in data})
    if len(subjects) < 2:
        raise ValueError("Leave-one-subject-out needs videos of at least two subjects.")
    result = SpottingLosoResult(videos=[])
    for fold in subject_folds(data, subjects, progress=progress, should_stop=should_stop):
        saved = store.load(fold.index, fold.subject, fold.train, fold.test) if store is not None else None
        if saved is None:
            saved = _spot_fold(plugin_factory, fold, workdir=workdir, device=device, seed=seed)
            if store is not None:
                store.save(fold.index, fold.subject, fold.train, fold.test, *saved)
        result.videos.extend(saved[0])
        result.folds.append(saved[1])
    return result


def _spot_fold(plugin_factory: Callable[[], Plugin], fold, *, workdir: Path, device: str,
               seed: int) -> tuple[list[SpottedVideo], dict]:
    plugin = fit_fold(plugin_factory, fold, workdir=workdir, device=device, seed=seed)
    predict_started, predict_cpu = time.monotonic(), time.process_time()
    predictions = plugin.predict([spotting_input(clip) for clip in fold.test])
    predict_seconds, predict_cpu = time.monotonic() - predict_started, time.process_time() - predict_cpu
    return _pool(fold.test, predictions, fold.subject), fold.summary(
        test_frames=sum(clip.clip.n_frames for clip in fold.test), predict_seconds=round(predict_seconds, 3),
        predict_cpu_seconds=round(predict_cpu, 3),  # all threads of this process
    )


def _pool(test: Sequence[LabeledClip], predictions: Sequence[ClipPrediction], fold: str) -> list[SpottedVideo]:
    by_clip = {prediction.clip_id: prediction for prediction in predictions}
    pooled = []
    for clip in test:
        prediction = by_clip.get(clip.clip.clip_id)
        if prediction is None:
            raise ValueError(f"The plugin returned no prediction for video {clip.clip.clip_id}.")
        predicted = tuple(
            {"onset": int(e.onset), "apex": None if e.apex is None else int(e.apex), "offset": int(e.offset),
             "kind": e.kind, "score": float(e.score)}
            for e in prediction.events
        )
        for event in predicted:
            as_interval(event)  # a malformed prediction fails here, with the reason
        pooled.append(SpottedVideo(
            clip_id=clip.clip.clip_id, subject=clip.clip.subject, dataset=clip.clip.dataset,
            n_frames=int(clip.clip.n_frames), truth=tuple(as_interval(e) for e in clip.events),
            predicted=predicted, fold=fold,
        ))
    return pooled
