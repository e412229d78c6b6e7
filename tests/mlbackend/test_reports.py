"""Report figures are drawn on figures of their own, so concurrent request threads cannot mix them up."""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from mlbackend.models import EvaluationReport
from mlbackend.reports import confusion_figure, per_class_figure
from tests.conftest import REPO

LABELS = ["negative", "positive", "surprise"]


def report(seed: int) -> EvaluationReport:
    """An unsaved report: the figures read only these fields."""
    confusion = [[seed + 1, 2, 0], [1, seed + 3, 1], [0, 1, seed + 2]]
    per_class = {label: {"f1": 0.1 * (i + 1), "recall": 0.2, "precision": 0.3, "support": 4} for i, label in
                 enumerate(LABELS)}
    return EvaluationReport(plugin=f"plugin-{seed}", labels=LABELS,
                            overall={"confusion": confusion, "uf1": 0.1 * seed, "uar": 0.05 * seed, "per_class": per_class})


def draw(seed: int) -> tuple[bytes, bytes]:
    return confusion_figure(report(seed), "png"), per_class_figure(report(seed), "png")


def test_figures_drawn_in_parallel_threads_equal_the_ones_drawn_alone():
    alone = {seed: draw(seed) for seed in range(6)}
    with ThreadPoolExecutor(max_workers=6) as pool:
        seeds = list(range(6)) * 4
        together = list(zip(seeds, pool.map(draw, seeds)))
    assert all(figures == alone[seed] for seed, figures in together)
    assert len(set(alone.values())) == 6


def test_drawing_a_figure_never_imports_pyplot():
    """pyplot keeps one global figure list and backend for the whole process: request code must not use it."""
    code = (
        "import sys, django; django.setup()\n"
        "from tests.mlbackend.test_reports import report\n"
        "from mlbackend.reports import confusion_figure, per_class_figure\n"
        "assert confusion_figure(report(1)).startswith(b'\\x89PNG') and b'<svg' in per_class_figure(report(1), 'svg')\n"
        "print('pyplot imported' if 'matplotlib.pyplot' in sys.modules else 'no pyplot')\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "no pyplot"
