"""Measure mmfnet, flow_svm and au_flow on synthetic micro-expressions (a script, not a test).

    .venv/bin/python -m tests.plugins.mmfnet.measure [--per-subject 6] [--subjects 8] [--seed 0]

LOSO through the shared evaluator; prints UF1/UAR (mmfnet, flow_svm), per-AU F1 and mean F1 (au_flow)
and the wall time of each run.
"""

import argparse
import os
import tempfile
import time
import warnings

from tests.plugins.measure_baselines import DEFAULT_FACES, synthetic_clips


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-subject", type=int, default=6)
    parser.add_argument("--subjects", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", default="mmfnet,flow_svm,au_flow")
    parser.add_argument("--params", default="", help="mmfnet params as k=v,k=v")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    warnings.filterwarnings("ignore")
    from mlbackend.evaluation.loso import loso_evaluate

    started = time.monotonic()
    data = synthetic_clips(DEFAULT_FACES, args.per_subject, args.seed, subjects=args.subjects)
    labels = sorted({e.emotion for c in data for e in c.events})
    aus = sorted({a.number for c in data for e in c.events for a in e.aus})
    print(f"{len(data)} clips, {len({c.clip.subject for c in data})} subjects, labels {labels}, AUs {aus}, "
          f"made in {time.monotonic() - started:.1f} s")
    extra = dict(kv.split("=") for kv in args.params.split(",") if kv)
    for name in args.only.split(","):
        if name == "mmfnet":
            from plugins.mmfnet import MMFNetPlugin as cls
        elif name == "flow_svm":
            from plugins.flow_svm import FlowSvmPlugin as cls
        else:
            from plugins.au_flow import AuFlowPlugin as cls
        params = extra if name == "mmfnet" else {}
        started = time.monotonic()
        with tempfile.TemporaryDirectory() as workdir:
            result = loso_evaluate(lambda: cls(labels=labels, aus=aus, params=params), data, labels=labels,
                                   workdir=workdir, progress=lambda f, m: None, seed=args.seed, aus=aus)
        seconds = time.monotonic() - started
        if result.overall:
            o = result.overall
            print(f"{name}: UF1 {o['uf1']:.3f} UAR {o['uar']:.3f} acc {o['accuracy']:.3f} n {o['n']} "
                  f"in {seconds:.1f} s")
        if result.au_metrics:
            m = result.au_metrics
            per = ", ".join(f"AU{n} {v['f1']:.2f} (n={v['support']})" for n, v in m["per_au"].items())
            print(f"{name}: mean AU F1 {m['mean_f1']:.3f} over {m['n_scored']} AUs, n {m['n']} in {seconds:.1f} s; "
                  f"{per}")


if __name__ == "__main__":
    main()
