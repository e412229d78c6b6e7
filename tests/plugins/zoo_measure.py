"""Measure the zoo's flow-map networks on synthetic micro-expressions (a script, not a test).

    .venv/bin/python -m tests.plugins.zoo_measure [--subjects 8] [--per-subject 6] [--seed 0] \
        [--models "dual_inception;htnet:width=32;nmer:width=16,size=64"]

LOSO through the shared evaluator (fixed epochs, no test subject picks anything); prints UF1, UAR
and the wall time per model. Params after a colon, k=v separated by commas.
"""

import argparse
import os
import tempfile
import time
import warnings

from tests.plugins.measure_baselines import DEFAULT_FACES, synthetic_clips

PRACTICAL = "dual_inception;featref;bdcnn;htnet:width=32;nmer:width=16,size=64"


def parse(spec: str) -> list[tuple[str, dict]]:
    models = []
    for item in filter(None, (s.strip() for s in spec.split(";"))):
        name, _, rest = item.partition(":")
        models.append((name, dict(kv.split("=", 1) for kv in rest.split(",") if kv)))
    return models


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-subject", type=int, default=6)
    parser.add_argument("--subjects", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--models", default=PRACTICAL)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    from mlbackend.evaluation.loso import loso_evaluate
    from mlbackend.registry import get_plugin_class, load_plugins

    load_plugins([f"plugins.{name}" for name, _ in parse(args.models)] + ["plugins.ststnet", "plugins.featref",
                                                                          "plugins.dual_inception", "plugins.bdcnn"])
    started = time.monotonic()
    data = synthetic_clips(DEFAULT_FACES, args.per_subject, args.seed, subjects=args.subjects)
    labels = sorted({e.emotion for c in data for e in c.events})
    print(f"{len(data)} clips, {len({c.clip.subject for c in data})} subjects, labels {labels}, "
          f"made in {time.monotonic() - started:.1f} s; load avg {os.getloadavg()[0]:.1f}", flush=True)
    for name, params in parse(args.models):
        cls = get_plugin_class(name)
        started = time.monotonic()
        with tempfile.TemporaryDirectory() as workdir:
            result = loso_evaluate(lambda: cls(labels=labels, params=params), data, labels=labels, workdir=workdir,
                                   progress=lambda f, m: None, seed=args.seed)
        o = result.overall
        print(f"{name} {params}: UF1 {o['uf1']:.3f} UAR {o['uar']:.3f} acc {o['accuracy']:.3f} n {o['n']} "
              f"in {time.monotonic() - started:.1f} s", flush=True)


if __name__ == "__main__":
    main()
