"""One-to-one matching of frame intervals by temporal IoU (the MEGC rule of protocols.md).

Pure (numpy and scipy only). mlbackend.evaluation.spotting keeps its own copy of the same rule: plugins
import it and may never reach annotator; tests/mlbackend/test_agreement_matching.py holds the two equal.

    inter = min(end_a, end_b) - max(start_a, start_b) + 1      (inclusive frames; no overlap when <= 0)
    IoU   = inter / (len_a + len_b - inter),  len = end - start + 1

Pairs with IoU >= the threshold may match; each interval matches at most one other. Among the allowed
pairs the assignment with the MOST matches is taken, then the largest summed IoU, so the result does not
depend on the order in which intervals were listed.
"""

from collections.abc import Sequence

import numpy as np

IOU_THRESHOLD = 0.5


def interval_iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    """IoU of two inclusive (onset, offset) frame intervals."""
    inter = min(a[1], b[1]) - max(a[0], b[0]) + 1
    if inter <= 0:
        return 0.0
    return inter / ((a[1] - a[0] + 1) + (b[1] - b[0] + 1) - inter)


def match_intervals(first: Sequence[tuple[int, int]], second: Sequence[tuple[int, int]],
                    threshold: float = IOU_THRESHOLD) -> list[tuple[int, int, float]]:
    """One-to-one matches (index in first, index in second, IoU) with IoU >= threshold."""
    if not first or not second:
        return []
    iou = np.array([[interval_iou(a, b) for b in second] for a in first], dtype=np.float64)
    allowed = iou >= threshold
    if not allowed.any():
        return []
    from scipy.optimize import linear_sum_assignment

    # Each allowed pair is worth 1 (a match) plus a bonus below 1 / min(n, m) for its IoU, so no set of IoU
    # bonuses can outweigh one more match.
    bonus = iou / (min(iou.shape) + 1)
    weight = np.where(allowed, 1.0 + bonus, 0.0)
    rows, cols = linear_sum_assignment(weight, maximize=True)
    return [(int(r), int(c), float(iou[r, c])) for r, c in zip(rows, cols) if allowed[r, c]]
