"""AU detection metrics on pooled predictions (protocols.md, "AU detection in micro-expressions").

Each pooled sample carries the set of AU numbers coded on the event and the plugin's
probability per AU. An AU is predicted present when its probability is >= `threshold`
(a fixed 0.5: nothing of a test subject picks it); an AU missing from a prediction counts as
probability 0. Per AU: F1 of the positive class, F1 = 2 TP / (2 TP + FP + FN) (0 when the AU
is neither coded nor predicted), precision, recall and support (number of coded positives).
`mean_f1` averages F1 over the AUs with support > 0 (an AU nobody coded is reported but not
averaged: its F1 is undefined), which equals scikit-learn's f1_score(pos_label=1) per AU.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence


def _probability(probs: Mapping, number: int) -> float:
    """probs keyed by int, or by str after a JSON round trip."""
    if number in probs:
        return float(probs[number])
    return float(probs.get(str(number), 0.0))


def au_metrics(true_sets: Sequence[Iterable[int]], prob_dicts: Sequence[Mapping], aus: Sequence[int],
               threshold: float = 0.5) -> dict:
    truths = [{int(n) for n in s} for s in true_sets]
    if len(truths) != len(prob_dicts):
        raise ValueError(f"{len(truths)} truths but {len(prob_dicts)} predictions")
    per_au = {}
    for number in sorted({int(n) for n in aus}):
        tp = fp = fn = 0
        for truth, probs in zip(truths, prob_dicts):
            coded, predicted = number in truth, _probability(probs, number) >= threshold
            tp += coded and predicted
            fp += predicted and not coded
            fn += coded and not predicted
        per_au[number] = {
            "f1": 2 * tp / (2 * tp + fp + fn) if (2 * tp + fp + fn) else 0.0,
            "precision": tp / (tp + fp) if (tp + fp) else 0.0,
            "recall": tp / (tp + fn) if (tp + fn) else 0.0,
            "support": tp + fn,
            "predicted": tp + fp,
        }
    scored = [m["f1"] for m in per_au.values() if m["support"] > 0]
    return {
        "n": len(truths), "threshold": float(threshold), "aus": sorted(per_au),
        "per_au": per_au, "mean_f1": float(sum(scored) / len(scored)) if scored else 0.0,
        "n_scored": len(scored),
    }
