"""The LOSO speed benchmark behind `manage.py bench_loso` (docs/loso-speed.md).

STSTNet on synthetic 28 x 28 maps with the shape of the MEGC2019 composite (442 samples of 68
subjects, 3 classes; no optical flow is computed: the maps are injected), through the real
machinery: mlbackend.evaluation.loso.loso_fold_by_fold with the plain loop (fast=false), and
mlbackend.nets.fast.loso_fast with the fused step (fast=true). Epochs are reduced; the full run
(68 folds x 800 epochs) is projected from the measured time per epoch and fold plus each fold's
fixed cost (normalisation, checkpoint, prediction).
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mlbackend.contract import ArrayFrames, ClipInput, Event, LabeledClip

LABELS = ("negative", "positive", "surprise")
FULL_FOLDS, FULL_EPOCHS = 68, 800


def synthetic_maps(n_samples: int = 442, n_subjects: int = 68, seed: int = 0) -> tuple[list[LabeledClip], dict]:
    """(clips, maps by clip id): n_samples one-event clips spread evenly over n_subjects, maps (3, 28, 28)
    with a weak class pattern in noise (the speed does not depend on the values)."""
    rng = np.random.default_rng(seed)
    frames = ArrayFrames(np.zeros((16, 8, 8, 3), dtype=np.uint8))
    sizes = [n_samples // n_subjects + (1 if s < n_samples % n_subjects else 0) for s in range(n_subjects)]
    patterns = rng.normal(0, 1, (len(LABELS), 3, 28, 28)).astype(np.float32)
    clips, maps = [], {}
    for s, size in enumerate(sizes):
        for j in range(size):
            label = int(rng.integers(len(LABELS)))
            clip_id = f"b{s:02d}-{j:02d}"
            maps[clip_id] = (0.5 * patterns[label] + rng.normal(0, 1, (3, 28, 28))).astype(np.float32)
            clip = ClipInput(clip_id=clip_id, subject=f"b{s:02d}", dataset="bench", fps=200.0, n_frames=16,
                             frames=frames, faces=frames)
            clips.append(LabeledClip(clip, (Event(2, 6, 10, emotion=LABELS[label]),)))
    return clips, maps


def with_maps(cls, maps: dict):
    """A subclass of the plugin class `cls` reading each clip's maps from `maps` (not registered)."""

    class WithMaps(cls):
        def segment_maps(self, faces, clip, segment, params):
            return maps[clip.clip_id]

    WithMaps.__name__ = f"{cls.__name__}WithMaps"
    return WithMaps


@dataclass
class Run:
    label: str
    folds: int
    epochs: int
    wall: float  # seconds, the whole LOSO call
    cpu: float  # process CPU seconds during it
    train: float  # sum over folds of the epochs loop alone (checkpoint history)
    fold_total: float  # sum over folds of each fold's seconds
    maps: float = 0.0  # seconds of the map phase (loso_fast)

    @property
    def per_epoch_fold_ms(self) -> float:
        """Wall milliseconds one epoch of one fold costs in this run (parallel folds share the wall)."""
        training_wall = (self.wall - self.maps - self.overhead_wall)
        return 1000 * training_wall / (self.folds * self.epochs)

    @property
    def parallelism(self) -> float:
        return self.fold_total / max(self.wall - self.maps, 1e-9)

    @property
    def overhead_wall(self) -> float:
        """Wall seconds of the folds' fixed costs (fold time outside the epochs loop, over the parallelism)."""
        return (self.fold_total - self.train) / max(self.parallelism, 1e-9)

    def projection(self, folds: int = FULL_FOLDS, epochs: int = FULL_EPOCHS) -> float:
        per_fold_overhead = self.overhead_wall / self.folds
        return folds * (per_fold_overhead + epochs * self.per_epoch_fold_ms / 1000)


def _cpu_seconds() -> float:
    """This process's CPU seconds and those of its ended children (loso_fast's worker processes)."""
    return sum(usage.ru_utime + usage.ru_stime for usage in (
        resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)))


def _train_seconds(workdir: Path, name: str) -> float:
    from mlbackend.checkpoints import read_checkpoint

    return sum(read_checkpoint(path)["history"]["train_seconds"] for path in sorted(workdir.glob(f"fold-*/{name}.pt")))


def run_loso(plugin_cls, maps: dict, data, *, params: dict, fast_evaluator: bool, workers: int | None = None,
             threads: int | None = None, label: str = "", trainer: str = "threads") -> Run:
    """One whole LOSO run: loso_fast (fast_evaluator) or the plain loso_fold_by_fold, with `params`.

    threads: torch threads for loso_fold_by_fold's fits (the plugin's `threads` param); loso_fast runs
    `workers` folds side by side, one thread each.
    """
    from mlbackend.evaluation.loso import loso_fold_by_fold
    from mlbackend.nets.fast import loso_fast

    cls = with_maps(plugin_cls, maps)
    params = {**params, **({"threads": threads} if threads else {})}
    factory = lambda: cls(labels=LABELS, params=params)  # noqa: E731
    phases: dict = {}
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        started, cpu = time.perf_counter(), _cpu_seconds()

        def progress(fraction: float, message: str) -> None:
            if fast_evaluator and "maps" not in phases and fraction >= 0.2:  # loso_fast: the maps phase ends at 0.2
                phases["maps"] = time.perf_counter() - started

        if fast_evaluator:
            result = loso_fast(factory, data, labels=LABELS, workdir=workdir, progress=progress, workers=workers,
                               trainer=trainer)
        else:
            result = loso_fold_by_fold(factory, data, labels=LABELS, workdir=workdir, progress=progress)
        wall, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
        train = _train_seconds(workdir, plugin_cls.name)
    return Run(label=label, folds=len(result.folds), epochs=params["epochs"], wall=wall, cpu=cpu, train=train,
               fold_total=sum(f["seconds"] for f in result.folds), maps=min(phases.get("maps", 0.0), wall))


def epoch_ms(plugin_cls, maps: dict, data, *, params: dict, epochs: int, repeats: int = 3) -> list[float]:
    """Milliseconds per epoch of one fit on all but the first subject (the epochs loop alone), `repeats` times."""
    import torch

    from mlbackend.nets.train import deterministic

    cls = with_maps(plugin_cls, maps)
    first = sorted({c.clip.subject for c in data})[0]
    train = [c for c in data if c.clip.subject != first]
    times = []
    with tempfile.TemporaryDirectory() as folder, deterministic(threads=params.get("threads") or None):
        for repeat in range(repeats):
            plugin = cls(labels=LABELS, params={**params, "epochs": epochs})
            torch.manual_seed(0)
            checkpoint = plugin.fit_inner(train, workdir=Path(folder) / str(repeat), progress=lambda f, m: None,
                                          device="cpu", seed=0)
            from mlbackend.checkpoints import read_checkpoint

            times.append(1000 * read_checkpoint(checkpoint)["history"]["train_seconds"] / epochs)
    return times


def machine() -> str:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    return f"{cpus} CPUs available, load average (1, 5, 15 min) {load}"


@dataclass
class TrainerTime:
    model: str
    trainer: str
    run: Run | None  # None: the trainer does not apply to this model (note says why)
    published_epochs: int
    note: str = ""

    def projection(self) -> float | None:
        return self.run.projection(FULL_FOLDS, self.published_epochs) if self.run else None


def model_trainers(plugin_cls, maps: dict, data, *, epochs: int, workers: int | None = None,
                   params: dict | None = None) -> list[TrainerTime]:
    """Per trainer, one whole LOSO run of a flow-map network over `data` at `epochs` epochs: the plain loop
    fold by fold (1 thread), loso_fast with folds in processes (one thread each), loso_fast with every fold in
    one vmapped model (on the CPU here), and the fused kernel fold by fold where the plugin has one."""
    from mlbackend.nets.fast import vmap_trainable
    from mlbackend.nets.fused import load_kernel

    defaults = plugin_cls.DEFAULTS
    published = int(defaults["epochs"])
    base = {**(params or {}), "epochs": epochs}
    plain = {**base, **({"fast": False} if "fast" in defaults else {})}
    out = [
        TrainerTime(plugin_cls.name, "plain, fold by fold, 1 thread",
                    run_loso(plugin_cls, maps, data, params=plain, fast_evaluator=False, threads=1), published),
        TrainerTime(plugin_cls.name, "plain, folds in processes",
                    run_loso(plugin_cls, maps, data, params=plain, fast_evaluator=True, workers=workers,
                             trainer="processes"), published),
    ]
    if vmap_trainable(with_maps(plugin_cls, maps)(labels=LABELS, params=plain)):
        out.append(TrainerTime(plugin_cls.name, "vmap over folds (CPU)",
                               run_loso(plugin_cls, maps, data, params=plain, fast_evaluator=True, trainer="vmap"),
                               published))
    else:
        out.append(TrainerTime(plugin_cls.name, "vmap over folds (CPU)", None, published,
                               "not for this network (own loop or global random draws)"))
    if "backend" in defaults and load_kernel() is not None:
        fused = {**base, "fast": True, "backend": "c"}
        out.append(TrainerTime(plugin_cls.name, "fused kernel, fold by fold",
                               run_loso(plugin_cls, maps, data, params=fused, fast_evaluator=False, threads=1),
                               published))
        out.append(TrainerTime(plugin_cls.name, "fused kernel, folds in processes",
                               run_loso(plugin_cls, maps, data, params=fused, fast_evaluator=True, workers=workers,
                                        trainer="processes"), published))
    return out
