"""Measure flow_svm and motion_spotter on synthetic micro-expressions (a script, not a test).

    .venv/bin/python -m tests.plugins.measure_baselines [--per-subject 12] [--seed 0] [--faces FOLDER]

Leave-one-subject-out over every subject of the face bank: flow_svm through the shared
evaluator (UF1, UAR, accuracy); motion_spotter fitted on the other subjects (its fraction)
and run on the held-out subject's clips without their timing (apex hit rate within 5
frames, temporal IoU). Prints figures and timings.
"""

import argparse
import logging
import os
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
DEFAULT_FACES = REPO / "var" / "cache" / "pyfeat-2.1.5" / "feat" / "tests" / "data"


def synthetic_clips(faces: Path, per_subject: int, seed: int, subjects: int | None = None, **config):
    from mlbackend.synthetic import SyntheticConfig, load_face_bank, make_dataset, to_labeled_clip

    bank = load_face_bank(faces)
    if subjects:
        keep = sorted({t.subject for t in bank})[:subjects]
        bank = [t for t in bank if t.subject in keep]
    synth = make_dataset(bank, per_subject, seed, SyntheticConfig(seed=seed, **config))
    return [to_labeled_clip(s) for s in synth]


def spotting_loso(data, workdir: Path, params: dict | None = None) -> dict:
    from mlbackend.evaluation.metrics import apex_metrics
    from mlbackend.vision import segment_iou
    from plugins.motion_spotter import MotionSpotterPlugin

    truths, spotted, fractions = [], [], []
    for index, subject in enumerate(sorted({c.clip.subject for c in data})):
        train = [c for c in data if c.clip.subject != subject]
        test = [c for c in data if c.clip.subject == subject]
        plugin = MotionSpotterPlugin(params=params)
        plugin.fit(train, workdir=workdir / f"spot-{index}", progress=lambda f, m: None, device="cpu", seed=0)
        fractions.append(plugin.state["fraction"])
        predictions = plugin.predict([c.clip for c in test])
        truths += [c.events[0] for c in test]
        spotted += [p.events[0] for p in predictions]
    apex = apex_metrics([t.apex for t in truths], [s.apex for s in spotted], tolerance=5)
    ious = [segment_iou((s.onset, s.offset), (t.onset, t.offset)) for s, t in zip(spotted, truths)]
    return {
        "apex_hit_rate@5": apex["hit_rate"], "apex_mae": apex["mean_abs_error"],
        "apex_median_error": apex["median_abs_error"], "mean_iou": float(np.mean(ious)),
        "iou>=0.5": float(np.mean(np.asarray(ious) >= 0.5)),
        "onset_mae": float(np.mean([abs(s.onset - t.onset) for s, t in zip(spotted, truths)])),
        "offset_mae": float(np.mean([abs(s.offset - t.offset) for s, t in zip(spotted, truths)])),
        "fractions": sorted(set(fractions)),
    }


def single_pass_timings(data, workdir: Path) -> str:
    """One fit on everything and one predict of everything per plugin: time per event / frame."""
    import dataclasses

    from plugins.flow_svm import FlowSvmPlugin
    from plugins.motion_spotter import MotionSpotterPlugin

    frames = sum(c.clip.n_frames for c in data)
    lines = []
    for cls in (FlowSvmPlugin, MotionSpotterPlugin):
        plugin = cls()
        started = time.perf_counter()
        plugin.fit(data, workdir=workdir / f"all-{cls.name}", progress=lambda f, m: None, device="cpu", seed=0)
        fitted = time.perf_counter() - started
        inputs = [dataclasses.replace(c.clip, segments=tuple(e.segment for e in c.events)) for c in data]
        started = time.perf_counter()
        plugin.predict(inputs)
        predicted = time.perf_counter() - started
        unit, count = ("event", len(data)) if cls is FlowSvmPlugin else ("frame", frames)
        lines.append(f"{cls.name}: fit {fitted:.1f} s, predict {predicted:.1f} s "
                     f"({1000 * predicted / count:.2f} ms per {unit})")
    return "; ".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-subject", type=int, default=12)
    parser.add_argument("--subjects", type=int, default=None, help="use only the first N subjects")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--faces", type=Path, default=DEFAULT_FACES)
    parser.add_argument("--svm-params", default="", help="flow_svm params, e.g. grid=5,C=0.1")
    parser.add_argument("--skip-spotting", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("GLOG_minloglevel", "2")
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)

    from mlbackend.evaluation.loso import loso_evaluate
    from plugins.flow_svm import FlowSvmPlugin

    svm_params = {k: (v if k == "flow" else float(v)) for k, v in
                  (item.split("=") for item in args.svm_params.split(",") if item)}
    started = time.perf_counter()
    data = synthetic_clips(args.faces, args.per_subject, args.seed, args.subjects)
    made = time.perf_counter() - started
    subjects = sorted({c.clip.subject for c in data})
    frames = sum(c.clip.n_frames for c in data)
    print(f"data: {len(data)} clips of {len(subjects)} subjects, {frames} frames, "
          f"classes {dict(zip(*np.unique([c.events[0].emotion for c in data], return_counts=True)))}; "
          f"bank + render {made:.1f} s")
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        result = loso_evaluate(lambda: FlowSvmPlugin(params=svm_params), data,
                               labels=("negative", "positive", "surprise"), workdir=Path(folder),
                               progress=lambda f, m: None)
        took = time.perf_counter() - started
        overall = result.overall
        print(f"flow_svm {svm_params or 'defaults'}: LOSO UF1 {overall['uf1']:.3f}, UAR {overall['uar']:.3f}, "
              f"accuracy {overall['accuracy']:.3f} (n {overall['n']}); {took:.1f} s for {len(subjects)} folds")
        print(f"  confusion {overall['labels']}: {overall['confusion']}")
        print("single pass on all clips:", single_pass_timings(data, Path(folder)))
        if not args.skip_spotting:
            started = time.perf_counter()
            spotting = spotting_loso(data, Path(folder))
            took = time.perf_counter() - started
            figures = ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in spotting.items())
            print(f"motion_spotter: {figures}; "
                  f"{took:.1f} s for {len(subjects)} folds ({1000 * took / (len(subjects) * frames):.2f} ms per frame "
                  f"and fold)")


if __name__ == "__main__":
    main()
