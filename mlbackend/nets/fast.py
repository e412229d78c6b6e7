"""Leave-one-subject-out at the speed of the hardware, for every flow-map network: `loso_fast`.

mlbackend.evaluation.loso.loso_evaluate hands the LOSO run of every FlowNetPlugin here (STSTNet,
OFF-ApexNet and every network built on mlbackend.sdk.nets). loso_fast returns the LosoResult of the
plain fold-by-fold loop (mlbackend.evaluation.loso.loso_fold_by_fold): same split, same samples in
the same order, same figures. The evaluator still owns the split; each fold is trained on its
training subjects only. What changes:

1. the maps (TV-L1 flow, strain) of every event are computed once for the whole run, not once
   per fold (the maps of a clip do not depend on the fold; 68 folds recompute each ~67 times);
2. the folds train side by side, with one of these trainers:
   - "processes" (the CPU default): folds in forked worker processes, one torch thread each, a pool
     sized to the CPUs. Each fold is exactly the plugin's own `fit` (torch.manual_seed(seed), one
     thread, its own trainer: the fused STSTNet kernel where the plugin picks it), so the result is
     bit for bit the fold-by-fold one, whatever the number of workers (tested);
   - "vmap" (the CUDA default): all folds as one batched model (mlbackend.nets.batched: torch.func
     stacked parameters, vmap over folds, each fold its own batches and dropout masks); the plain
     loop's numbers within float rounding (tested on the CPU). For networks that draw randomness
     outside mlbackend.nets.models.dropout, use early stopping, or train with their own loop
     (a train_model override without `vmap_training`), CUDA falls back to threads;
   - "threads": folds in threads of this process (the fused kernel and torch release the GIL).
3. with a `store` (mlbackend.evaluation.fold_store.FoldStore), each finished fold is saved as it
   finishes and a rerun skips the folds found there.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from mlbackend.contract import AUS, EMOTION, LabeledClip, Plugin, PluginError, Progress

TRAINERS = ("auto", "processes", "threads", "vmap")


def supports_loso_fast(plugin: Plugin) -> bool:
    """True for emotion recognisers that share maps across folds and train a fold with fit_inner (FlowNetPlugin)."""
    capabilities = getattr(plugin, "capabilities", frozenset())
    return EMOTION in capabilities and AUS not in capabilities and all(
        hasattr(plugin, name) for name in ("share_cache", "precompute", "fit_inner"))


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def default_workers(device: str, n_folds: int) -> int:
    if str(device).startswith("cuda"):
        return min(4, n_folds)  # kernel launches of several folds overlap on one GPU
    return max(1, min(n_folds, cpu_count()))


def vmap_trainable(plugin) -> bool:
    """The plugin trains with the plain loop (or says its own loop is the plain one where vmap runs), draws its
    randomness through mlbackend.nets.models.dropout and stops at a fixed epoch."""
    from mlbackend.nets.batched import supported
    from mlbackend.nets.plugin_base import FlowNetPlugin

    own_loop = type(plugin).train_model is not FlowNetPlugin.train_model
    if own_loop and not getattr(plugin, "vmap_training", False):
        return False
    params = plugin.settings()
    return supported(plugin.build_model(max(2, len(plugin.labels)), params), params)


def choose_trainer(trainer: str, plugin, device: str) -> str:
    if trainer not in TRAINERS:
        raise ValueError(f"Unknown fold trainer {trainer!r}; choose from {', '.join(TRAINERS)}.")
    if trainer == "vmap" and not vmap_trainable(plugin):
        return "threads"
    if trainer != "auto":
        return trainer
    if str(device).startswith("cuda"):
        return "vmap" if vmap_trainable(plugin) else "threads"
    # a daemonic process (some worker pools) may not start children; no fork (Windows): threads
    forkable = "fork" in multiprocessing.get_all_start_methods() and not multiprocessing.current_process().daemon
    return "processes" if forkable else "threads"


@dataclass
class _Run:
    """What every fold needs; a forked worker inherits it (nothing is pickled but the fold index)."""
    factory: Callable[[], Plugin]
    folds: list  # (subject, train, test) by fold index
    cache: dict
    labels: list
    workdir: Path
    device: str
    seed: int
    stop: threading.Event = field(default_factory=threading.Event)
    fractions: list = field(default_factory=list)


_FORKED: _Run | None = None  # the run a forked worker reads


def _fit_and_pool(run: _Run, index: int):
    from mlbackend.evaluation.loso import _pool, timing_only

    started = time.monotonic()
    subject, train, test = run.folds[index]

    def fold_progress(fraction: float, message: str) -> None:
        if run.fractions:
            run.fractions[index] = fraction

    plugin = run.factory()
    plugin.share_cache(run.cache)
    checkpoint = plugin.fit_inner(train, workdir=Path(run.workdir) / f"fold-{index:03d}", progress=fold_progress,
                                  device=run.device, seed=run.seed, should_stop=run.stop.is_set)
    if run.stop.is_set():
        return None
    plugin.load(checkpoint, device=run.device)
    predictions = plugin.predict([timing_only(clip, run.labels) for clip in test])
    return _pool(test, predictions, run.labels, subject), {
        "subject": subject, "n_train": len(train), "n_test": len(test), "seconds": round(time.monotonic() - started, 3)}


def _fold_in_thread(run: _Run, index: int):
    return None if run.stop.is_set() else _fit_and_pool(run, index)


def _fold_in_process(index: int):
    """A forked worker's fold: exactly the plugin's `fit` (seeded, one torch thread), then its predictions."""
    import torch

    from mlbackend.nets.train import deterministic

    torch.set_num_threads(1)
    with deterministic(threads=1):
        torch.manual_seed(_FORKED.seed)
        return _fit_and_pool(_FORKED, index)


def loso_fast(
    plugin_factory: Callable[[], Plugin], data: Sequence[LabeledClip], *, labels: Sequence[str], workdir: Path,
    progress: Progress, device: str = "cpu", seed: int = 0, should_stop: Callable[[], bool] = lambda: False,
    workers: int | None = None, store=None, trainer: str = "auto",
):
    """The LosoResult of mlbackend.evaluation.loso.loso_fold_by_fold (same folds, samples, order and figures),
    with the maps computed once and the folds trained side by side by `trainer`."""
    from mlbackend.evaluation.loso import LosoResult, recognisable

    labels = list(labels)
    data = [clip for clip in data if recognisable(clip, labels)]
    subjects = sorted({clip.clip.subject for clip in data})
    if len(subjects) < 2:
        raise ValueError("Leave-one-subject-out needs labelled clips of at least two subjects.")
    probe = plugin_factory()
    if not supports_loso_fast(probe):
        raise PluginError(f"Plugin {probe.name!r} does not support loso_fast; use loso_evaluate.")
    trainer = choose_trainer(trainer, probe, device)
    workers = workers or default_workers(device, len(subjects))
    folds = [(subject, [c for c in data if c.clip.subject != subject], [c for c in data if c.clip.subject == subject])
             for subject in subjects]
    outcomes: list = [store.load(i, *fold) if store is not None else None for i, fold in enumerate(folds)]
    todo = [i for i, outcome in enumerate(outcomes) if outcome is None]

    cache: dict = {}  # 1. every event's maps, once (the fits read them from the shared cache)
    if todo:
        probe.share_cache(cache)
        items = [(clip.clip, event.segment) for clip in data for event in clip.events]
        probe.precompute(items, progress=lambda f, m: progress(0.2 * f, f"maps of every event: {m}"))
    run = _Run(plugin_factory, folds, cache, labels, Path(workdir), device, seed, fractions=[0.0] * len(folds))
    for i, outcome in enumerate(outcomes):
        if outcome is not None:
            run.fractions[i] = 1.0

    def finished(index: int, outcome) -> None:
        outcomes[index] = outcome
        run.fractions[index] = 1.0
        if store is not None:
            store.save(index, *folds[index], *outcome)

    if todo and trainer == "vmap":
        _run_batched(run, todo, finished, progress, should_stop)
    elif todo:
        _run_pool(run, todo, trainer, workers, finished, progress, should_stop)
    result = LosoResult(labels=labels, samples=[])
    for samples, fold in outcomes:
        result.samples.extend(samples)
        result.folds.append(fold)
    progress(1.0, f"{len(folds)} folds done ({trainer})")
    return result


def _run_pool(run: _Run, todo: list[int], trainer: str, workers: int, finished, progress, should_stop) -> None:
    """Folds in worker processes (forked, one thread each) or threads; this thread polls progress and cancelling
    (workers never call `progress` or `should_stop`: those may touch the database, whose connections belong
    to this thread)."""
    from mlbackend.evaluation.loso import EvaluationCancelled
    from mlbackend.nets.train import deterministic

    global _FORKED
    import torch

    n = len(run.folds)
    if trainer == "processes":
        _FORKED = run
        pool = ProcessPoolExecutor(min(workers, len(todo)), mp_context=multiprocessing.get_context("fork"))
        submit = lambda index: pool.submit(_fold_in_process, index)  # noqa: E731
    else:
        pool = ThreadPoolExecutor(workers, thread_name_prefix="loso-fold")
        submit = lambda index: pool.submit(_fold_in_thread, run, index)  # noqa: E731
    try:
        with deterministic(threads=1):
            torch.manual_seed(run.seed)
            futures = {submit(index): index for index in todo}
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                for future in done:
                    finished(futures[future], future.result())  # a fold's exception ends the run here
                count = sum(f >= 1.0 for f in run.fractions)
                progress(min(1.0, 0.2 + 0.8 * sum(run.fractions) / n),
                         f"{count}/{n} folds done ({trainer}, {workers} in parallel)")
                if pending and should_stop():
                    raise EvaluationCancelled(f"cancelled after {count} of {n} folds")
    except BaseException:
        run.stop.set()
        for process in _processes(pool):  # a cancelled or failed run stops its running folds now
            process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        _FORKED = None
    pool.shutdown(wait=True)


def _processes(pool) -> list:
    return list((getattr(pool, "_processes", None) or {}).values())


def _run_batched(run: _Run, todo: list[int], finished, progress, should_stop) -> None:
    """Every remaining fold as one batched model (mlbackend.nets.batched), then each fold's checkpoint and
    predictions, saved fold by fold."""
    from mlbackend.evaluation.loso import EvaluationCancelled, _pool, timing_only
    from mlbackend.nets.batched import train_folds

    started = time.monotonic()
    plugins, prepared = [], []
    for index in todo:
        plugin = run.factory()
        plugin.share_cache(run.cache)
        plugins.append(plugin)
        prepared.append(plugin.prepare_fit(run.folds[index][1], seed=run.seed, progress=lambda f, m: None))
    params = prepared[0].params
    if any(p.labels != prepared[0].labels for p in prepared):
        raise PluginError("Batched folds need the same labels in every fold; pass the labels to the plugin.")
    n_classes = len(prepared[0].labels)
    models, histories = train_folds(
        lambda: plugins[0].build_model(n_classes, params), [p.x_fit for p in prepared], [p.y_fit for p in prepared],
        epochs=params["epochs"], batch_size=params["batch_size"], lr=params["lr"], seed=run.seed, device=run.device,
        progress=lambda f, m: progress(0.2 + 0.7 * f, m), should_stop=should_stop)
    if should_stop():
        raise EvaluationCancelled(f"cancelled while training {len(todo)} batched folds")
    train_seconds = (time.monotonic() - started) / len(todo)
    for plugin, fit, model, history, index in zip(plugins, prepared, models, histories, todo):
        subject, train, test = run.folds[index]
        checkpoint = plugin.save_fit(fit, model, history, workdir=run.workdir / f"fold-{index:03d}",
                                     device=run.device, train_seconds=train_seconds)
        plugin.load(checkpoint, device=run.device)
        predictions = plugin.predict([timing_only(clip, run.labels) for clip in test])
        finished(index, (_pool(test, predictions, run.labels, subject),
                         {"subject": subject, "n_train": len(train), "n_test": len(test),
                          "seconds": round(train_seconds, 3)}))
