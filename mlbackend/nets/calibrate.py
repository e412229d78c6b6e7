"""backend "auto" of the fused STSTNet step: the trainer that is faster on *this* CPU, measured once.

The fused kernel (mlbackend.nets.fused) keeps 16 channels in one vector: one register on an
AVX-512 CPU, two on an AVX2 CPU, where its accumulators spill out of the 16 registers and the
kernel ends up slower than PyTorch's plain step (docs/loso-speed.md). Which is faster is a fact
of the machine, not of the code, so "auto" measures it: a few training steps of each trainer,
interleaved (a change in the machine's load hits both alike), on a synthetic batch of the real
size (256 maps, 3 classes), with the step's own padding and thread count. The choice and the
figures are cached per CPU fingerprint (model, vector extensions, cores: mlbackend.cpuinfo), torch
version and kernel ABI in `<kernel cache>/calibration-<fingerprint>.json`; a new CPU, torch or
kernel measures again. MESTUDIO_TRAINER=c|plain skips the measurement (operators, tests).

Either trainer gives the plain loop's numbers (the kernel up to float rounding, tested), so the
choice changes only the speed.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

from mlbackend.cpuinfo import cpu_fingerprint, describe, fingerprint_key

log = logging.getLogger(__name__)
CHOICES = ("c", "plain")
_lock = threading.Lock()
BATCH = 256
STEPS = 6  # measured steps per trainer, after WARMUP
WARMUP = 2


def calibration_file() -> Path:
    from mlbackend.nets.kernel import _cache_dir

    return _cache_dir() / f"calibration-{fingerprint_key()}.json"


def _entry_key(padding: int, threads: int) -> str:
    import torch

    from mlbackend.nets.kernel import ABI

    return (f"padding={padding} threads={threads} torch_threads={torch.get_num_threads()} "
            f"torch={torch.__version__} abi={ABI}")


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, temp = tempfile.mkstemp(prefix=".calibration.", dir=path.parent)
    with os.fdopen(handle, "w") as out:
        json.dump(data, out, indent=1, sort_keys=True)
    os.replace(temp, path)  # atomic: a concurrent reader sees the old file or the new one


def auto_backend(*, padding: int, threads: int) -> str:
    """'c' (the fused kernel) or 'plain', whichever trained faster here; measured on first use."""
    forced = os.environ.get("MESTUDIO_TRAINER", "").strip()
    if forced:
        if forced not in CHOICES:
            raise ValueError(f"MESTUDIO_TRAINER={forced!r}: choose one of {', '.join(CHOICES)}")
        return forced
    return calibration(padding=padding, threads=threads)["choice"]


def calibration(*, padding: int, threads: int) -> dict:
    """The cached measurement for this CPU and setting, measuring it first when there is none."""
    key = _entry_key(padding, threads)
    with _lock:  # one measurement per process; folds in threads wait for it
        path = calibration_file()
        entries = _read(path)
        entry = entries.get(key)
        if isinstance(entry, dict) and entry.get("choice") in CHOICES:
            return entry
        entry = measure(padding=padding, threads=threads)
        try:
            _write(path, {**_read(path), key: entry})
        except OSError as error:  # a read-only cache: measured again by the next process
            log.warning("trainer calibration not cached (%s)", error)
    log.info("STSTNet trainer for %s (%s): %s; per step of %d: kernel %.1f ms, plain %.1f ms",
             describe(), key, entry["choice"], BATCH, entry["c_ms"], entry["plain_ms"])
    return entry


def measure(*, padding: int, threads: int, steps: int = STEPS, warmup: int = WARMUP) -> dict:
    """Median wall ms per training step (forward, backward) of each trainer, interleaved."""
    import torch

    from mlbackend.nets.fused import FusedSTSTNet
    from mlbackend.nets.models import STSTNet, default_init
    from mlbackend.nets.train import plain_step

    generator = torch.Generator().manual_seed(0)
    x = torch.randn(2 * BATCH, 3, 28, 28, generator=generator)
    y = torch.randint(0, 3, (2 * BATCH,), generator=generator)
    model = STSTNet(3, padding=padding)
    default_init(model, generator)
    model.train()
    trainers = {
        "c": FusedSTSTNet(model, x, y, torch.Generator().manual_seed(1), backend="c", threads=threads,
                          max_batch=BATCH),
        "plain": plain_step(model, x, y, torch.Generator().manual_seed(1)),
    }
    times: dict[str, list[float]] = {name: [] for name in trainers}
    try:
        for round_ in range(warmup + steps):
            batch = torch.randperm(2 * BATCH, generator=generator)[:BATCH]
            for name, step in trainers.items():
                model.zero_grad(set_to_none=True)
                started = time.perf_counter()
                step(batch)
                if round_ >= warmup:
                    times[name].append(1000 * (time.perf_counter() - started))
    finally:
        trainers["c"].close()
    c_ms, plain_ms = (statistics.median(times[name]) for name in CHOICES)
    return {"choice": "c" if c_ms < plain_ms else "plain", "c_ms": round(c_ms, 2), "plain_ms": round(plain_ms, 2),
            "batch": BATCH, "steps": steps, "cpu": cpu_fingerprint(),
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
