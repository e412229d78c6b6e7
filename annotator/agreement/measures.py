"""Agreement measures on plain values (protocols.md, "Inter-coder reliability"); kept libraries do the kappas."""

import math
from collections.abc import Sequence


def au_agreement(aus_a: frozenset[int], aus_b: frozenset[int]) -> tuple[int, int]:
    """(AUs both coders scored, AUs scored by A + AUs scored by B) for one matched event: Ekman & Friesen's
    ratio is 2 x the first / the second, pooled by summing both terms over events."""
    return len(aus_a & aus_b), len(aus_a) + len(aus_b)


def agreement_ratio(agreed: int, total: int) -> float | None:
    """2 x agreed / total, None when neither coder scored an AU (no evidence either way)."""
    return 2 * agreed / total if total else None


def cohen_kappa(labels_a: Sequence[str], labels_b: Sequence[str]) -> float | None:
    """Cohen's kappa of two coders' labels on the same items; None with no items or no variation at all
    (chance agreement 1 leaves kappa undefined)."""
    if not labels_a or len(set(labels_a) | set(labels_b)) < 2:
        return None
    from sklearn.metrics import cohen_kappa_score

    value = float(cohen_kappa_score(list(labels_a), list(labels_b)))
    return None if math.isnan(value) else value


def fleiss_kappa(units: Sequence[Sequence[str]]) -> float | None:
    """Fleiss' kappa over units each labelled by the same number (>= 2) of coders."""
    if not units or len({len(unit) for unit in units}) != 1 or len(units[0]) < 2:
        return None
    categories = sorted({label for unit in units for label in unit})
    if len(categories) < 2:
        return None
    from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss

    table = [[unit.count(category) for category in categories] for unit in units]
    value = float(statsmodels_fleiss(table, method="fleiss"))
    return None if math.isnan(value) else value


def krippendorff_nominal(matrix: Sequence[Sequence[str | None]]) -> float | None:
    """Krippendorff's alpha (nominal) on a coders x units matrix; None marks a unit a coder did not label."""
    categories = sorted({label for row in matrix for label in row if label is not None})
    pairable = sum(1 for unit in zip(*matrix) if sum(label is not None for label in unit) >= 2) if matrix else 0
    if len(categories) < 2 or not pairable:
        return None
    import krippendorff
    import numpy as np

    index = {label: i for i, label in enumerate(categories)}
    data = np.array([[np.nan if label is None else index[label] for label in row] for row in matrix], dtype=float)
    value = float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    return None if math.isnan(value) else value


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return float(ordered[middle]) if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
