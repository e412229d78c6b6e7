"""Time one STSTNet training epoch (435 samples, batch 256, Adam) in each way considered (a script, not a test).

    .venv/bin/python -m tests.plugins.ststnet.measure_variants [--repeats 5] [--only NAME,...] [--compile]

Variants: the published three-branch model (torch threads 1 and 2); one 16-filter convolution
instead of three branches; channels_last; bfloat16 autocast; torch.compile of the merged model's
step (--compile: about a minute of compilation); the fused step with the torch backend and with
the C++ kernel (1 thread; 2 threads splitting the batch); two folds in two processes, one thread
each. Prints wall and CPU milliseconds per epoch (median of --repeats) and the machine load:
docs/loso-speed.md holds a run.
"""

import argparse
import multiprocessing
import os
import statistics
import sys
import time

N_TRAIN, BATCH = 435, 256


def _data(seed=0):
    import torch

    g = torch.Generator().manual_seed(seed)
    return torch.randn(N_TRAIN, 3, 28, 28, generator=g), torch.randint(0, 3, (N_TRAIN,), generator=g)


def _merged_model(generator):
    import torch.nn as nn
    import torch.nn.functional as F

    from mlbackend.nets.models import dropout

    class Merged(nn.Module):
        """The three branches as one 16-filter convolution (same maths, fewer kernels), the same dropout."""

        def __init__(self):
            super().__init__()
            self.conv, self.bn, self.fc = nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.Linear(400, 3)

        def forward(self, x):
            h = dropout(F.max_pool2d(self.bn(F.relu(self.conv(x))), 3, 3, padding=1), 0.5, self.training, generator)
            return self.fc(F.avg_pool2d(h, 2, 2).flatten(1))

    return Merged()


def _step_for(name: str):
    """(model, step(batch) -> loss) for a variant."""
    import torch
    import torch.nn.functional as F

    from mlbackend.nets.fused import FusedSTSTNet
    from mlbackend.nets.models import STSTNet, default_init
    from mlbackend.nets.train import plain_step

    x, y = _data()
    generator = torch.Generator().manual_seed(0)
    if name.startswith("fused"):
        model = STSTNet(3)
        default_init(model, generator)
        backend = "torch" if "torch" in name else "c"
        return model, FusedSTSTNet(model, x, y, generator, backend=backend, threads=2 if "2 thr" in name else 1)
    if name.startswith("published"):
        model = STSTNet(3)
        default_init(model, generator)
        return model, plain_step(model, x, y, generator)
    model = _merged_model(generator)
    if "channels_last" in name:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)

    compiled = None
    if "compile" in name:
        compiled = torch.compile(lambda xb, yb: F.cross_entropy(model(xb), yb), dynamic=False)

    def step(batch):
        if compiled is not None:
            loss = compiled(x[batch], y[batch])
        elif "bf16" in name:
            with torch.autocast("cpu", dtype=torch.bfloat16):
                loss = F.cross_entropy(model(x[batch]), y[batch])
        else:
            loss = F.cross_entropy(model(x[batch]), y[batch])
        loss.backward()
        return loss.detach()

    return model, step


def time_variant(name: str, threads: int, repeats: int, epochs: int = 3) -> tuple[float, float]:
    """(median wall ms, median CPU ms) per epoch."""
    import torch

    from mlbackend.nets.train import TrainConfig, train_epochs

    torch.set_num_threads(threads)
    model, step = _step_for(name)
    generator = torch.Generator().manual_seed(1)
    config = TrainConfig(epochs=epochs, batch_size=BATCH)
    train_epochs(model, N_TRAIN, step, TrainConfig(epochs=2, batch_size=BATCH), generator)  # warm-up, compile
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        train_epochs(model, N_TRAIN, step, config, generator)
        walls.append(1000 * (time.perf_counter() - wall) / epochs)
        cpus.append(1000 * (time.process_time() - cpu) / epochs)
    return statistics.median(walls), statistics.median(cpus)


def _worker(args):
    name, repeats, epochs = args
    return time_variant(name, 1, repeats, epochs)


def two_processes(name: str, repeats: int, epochs: int) -> tuple[float, float]:
    """Two folds at once in two processes of one thread: wall ms per epoch *per fold* (total wall / 2)."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        results = pool.map(_worker, [(name, repeats, epochs)] * 2)
    wall = statistics.mean(r[0] for r in results) / 2  # each process's epoch, two running at once
    cpu = statistics.mean(r[1] for r in results)
    return wall, cpu


VARIANTS = [
    ("published, 3 branches", 1), ("published, 3 branches", 2), ("merged 16-filter conv", 1),
    ("merged, channels_last", 1), ("merged, bf16 autocast", 1), ("merged, torch.compile", 1),
    ("fused, torch backend", 1), ("fused, C++ kernel", 1), ("fused, C++ kernel, 2 thr", 1),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", default="", help="comma-separated substrings of variant names")
    parser.add_argument("--compile", action="store_true", help="include torch.compile (slow to compile)")
    args = parser.parse_args()
    sys.path.insert(0, os.getcwd())
    print(f"load average before: {os.getloadavg()}; {os.cpu_count()} CPUs")
    wanted = [w for w in args.only.split(",") if w]
    print(f"{'variant':<34}{'threads':>8}{'wall ms/epoch':>15}{'CPU ms/epoch':>14}")
    for name, threads in VARIANTS:
        if wanted and not any(w in name for w in wanted):
            continue
        if "compile" in name and not args.compile:
            continue
        context = multiprocessing.get_context("spawn")  # a fresh process per variant: no state carried over
        with context.Pool(1) as pool:
            wall, cpu = pool.apply(time_variant, (name, threads, args.repeats))
        print(f"{name:<34}{threads:>8}{wall:>15.1f}{cpu:>14.1f}", flush=True)
    for name in ("published, 3 branches", "fused, C++ kernel"):
        if wanted and not any(w in name for w in wanted):
            continue
        wall, cpu = two_processes(name, args.repeats, 3)
        print(f"{name + ', 2 procs x 1 thr':<34}{'1+1':>8}{wall:>15.1f}{cpu:>14.1f}  (wall per fold-epoch)",
              flush=True)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
