"""Leave-one-subject-out at the speed of the hardware: `loso_fast`, the proposed evaluator hook.

mlbackend.evaluation.loso.loso_evaluate fits one plugin per fold, one fold after the other,
and every fit computes the flow maps of its ~440 training samples again. For a plugin that
declares `fold_parallel = True` (ststnet, off_apexnet: mlbackend.nets.plugin_base), loso_fast
returns the same LosoResult with two changes that leave every number the same:

1. the maps (TV-L1 flow, strain) of every event are computed once for the whole run, not once
   per fold (the maps of a clip do not depend on the fold; 68 folds recompute each ~67 times);
2. the folds run in `workers` threads side by side, each fold single-threaded (torch threads 1;
   the fused STSTNet kernel and torch release the GIL), instead of one fold using both cores.
   Each fold is exactly the fit the shared evaluator would run (same plugin code, same seed,
   same train/test split, same order), so the result does not depend on `workers`.

The fused STSTNet step itself (mlbackend.nets.fused) is the plugin's `fast` parameter. The shared
evaluator (mlbackend.evaluation.loso.loso_evaluate) hands plugins whose `fold_parallel` is true to
loso_fast; `loso_fold_by_fold` stays the plain reference loop.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path

from mlbackend.contract import LabeledClip, Plugin, PluginError, Progress


def supports_loso_fast(plugin: Plugin) -> bool:
    """True for plugins that share maps across folds and can train folds in threads (fold_parallel)."""
    return bool(getattr(plugin, "fold_parallel", False)) and all(
        hasattr(plugin, name) for name in ("share_cache", "precompute", "fit_inner"))


def default_workers(device: str, n_folds: int) -> int:
    if str(device).startswith("cuda"):
        return min(4, n_folds)  # kernel launches of several folds overlap on one GPU
    return max(1, min(n_folds, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
                      or 1))


def loso_fast(
    plugin_factory: Callable[[], Plugin], data: Sequence[LabeledClip], *, labels: Sequence[str], workdir: Path,
    progress: Progress, device: str = "cpu", seed: int = 0, should_stop: Callable[[], bool] = lambda: False,
    workers: int | None = None,
):
    """The LosoResult of mlbackend.evaluation.loso.loso_evaluate (same folds, samples, order and figures),
    with the maps computed once and the folds trained in `workers` threads."""
    import torch

    from mlbackend.evaluation.loso import EvaluationCancelled, LosoResult, _pool, recognisable, timing_only
    from mlbackend.nets.train import deterministic

    labels = list(labels)
    data = [clip for clip in data if recognisable(clip, labels)]
    subjects = sorted({clip.clip.subject for clip in data})
    if len(subjects) < 2:
        raise ValueError("Leave-one-subject-out needs labelled clips of at least two subjects.")
    probe = plugin_factory()
    if not supports_loso_fast(probe):
        raise PluginError(f"Plugin {probe.name!r} does not support loso_fast; use loso_evaluate.")
    workers = workers or default_workers(device, len(subjects))

    # 1. Every event's maps, once (the fits read them from the shared cache).
    cache: dict = {}
    probe.share_cache(cache)
    items = [(clip.clip, event.segment) for clip in data for event in clip.events]
    probe.precompute(items, progress=lambda f, m: progress(0.2 * f, f"maps of every event: {m}"))

    # 2. The folds, side by side. Workers never call `progress` or `should_stop` (they may touch the
    #    database, whose connections belong to the calling thread): the calling thread polls.
    fractions = [0.0] * len(subjects)
    stop = threading.Event()

    def run_fold(index: int, subject: str):
        if stop.is_set():
            return None
        started = time.monotonic()
        train = [clip for clip in data if clip.clip.subject != subject]
        test = [clip for clip in data if clip.clip.subject == subject]

        def fold_progress(fraction: float, message: str) -> None:
            fractions[index] = fraction

        plugin = plugin_factory()
        plugin.share_cache(cache)
        checkpoint = plugin.fit_inner(train, workdir=Path(workdir) / f"fold-{index:03d}", progress=fold_progress,
                                      device=device, seed=seed, should_stop=stop.is_set)
        if stop.is_set():
            return None
        plugin.load(checkpoint, device=device)
        predictions = plugin.predict([timing_only(clip, labels) for clip in test])
        samples = _pool(test, predictions, labels, subject)
        fractions[index] = 1.0
        return samples, {"subject": subject, "n_train": len(train), "n_test": len(test),
                         "seconds": round(time.monotonic() - started, 3)}

    outcomes: list = [None] * len(subjects)
    with deterministic(threads=1), ThreadPoolExecutor(workers, thread_name_prefix="loso-fold") as pool:
        torch.manual_seed(seed)
        futures = {pool.submit(run_fold, index, subject): index for index, subject in enumerate(subjects)}
        pending = set(futures)
        try:
            while pending:
                done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                for future in done:
                    outcomes[futures[future]] = future.result()  # a fold's exception ends the run here
                finished = sum(outcome is not None for outcome in outcomes)
                progress(min(1.0, 0.2 + 0.8 * sum(fractions) / len(subjects)),
                         f"{finished}/{len(subjects)} folds done ({workers} in parallel)")
                if pending and should_stop():
                    stop.set()
                    raise EvaluationCancelled(f"cancelled after {finished} of {len(subjects)} folds")
        except BaseException:
            stop.set()
            for future in pending:
                future.cancel()
            raise
    result = LosoResult(labels=labels, samples=[])
    for outcome in outcomes:
        samples, fold = outcome
        result.samples.extend(samples)
        result.folds.append(fold)
    progress(1.0, f"{len(subjects)} folds done")
    return result
