"""Small summary statistics for latency samples (no numpy needed)."""

import math
from dataclasses import dataclass


def percentile(values: list[float], q: float) -> float:
    """q in [0, 100], linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Summary:
    n: int
    mean: float
    p50: float
    p95: float
    p99: float
    max: float


def summarize(values_ms: list[float]) -> Summary:
    return Summary(
        n=len(values_ms),
        mean=sum(values_ms) / len(values_ms) if values_ms else math.nan,
        p50=percentile(values_ms, 50),
        p95=percentile(values_ms, 95),
        p99=percentile(values_ms, 99),
        max=max(values_ms) if values_ms else math.nan,
    )
