"""AU detection metrics on pooled predictions (docs/protocols.md, "AU detection in micro-expressions").

Each pooled sample carries the set of AU numbers coded on the event and the plugin's
probability per AU. An AU is predicted present when its probability is >= `threshold`
(a fixed 0.5: nothing of a test subject picks it); an AU missing from a prediction counts as
probability 0. scikit-learn computes, per AU, the F1, precision and recall of the positive class
(0 when undefined) and the support (number of coded positives); `mean_f1` is the macro average of
those F1 over the AUs with support > 0 (an AU nobody coded is reported but not averaged: its F1 is
undefined).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from sklearn.metrics import precision_recall_fscore_support


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
    numbers = sorted({int(n) for n in aus})
    per_au = {}
    for number in numbers:
        coded = [number in truth for truth in truths]
        predicted = [_probability(probs, number) >= threshold for probs in prob_dicts]
        # labels=[True]: the positive class's figures, also when a column holds one value only (or none)
        precision, recall, f1, support = precision_recall_fscore_support(
            coded, predicted, labels=[True], zero_division=0) if truths else ([0.0], [0.0], [0.0], [0])
        per_au[number] = {"f1": float(f1[0]), "precision": float(precision[0]), "recall": float(recall[0]),
                          "support": int(support[0]), "predicted": int(sum(predicted))}
    scored = [m["f1"] for m in per_au.values() if m["support"] > 0]
    mean_f1 = float(np.mean(scored)) if scored else 0.0  # the macro average over the AUs with support
    return {
        "n": len(truths), "threshold": float(threshold), "aus": numbers,
        "per_au": per_au, "mean_f1": mean_f1, "n_scored": len(scored),
    }
