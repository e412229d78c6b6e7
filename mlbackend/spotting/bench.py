"""Spotting benchmark on long synthetic videos (behind `manage.py bench_spotting`; no Django here).

Videos: `make_long_video` on one face template per subject (the face bank's first n subjects),
200 fps, `n_events` micro-expressions plus `n_distractors` distractors (at least one blink, which
is not an event, and one labelled macro movement), lengths drawn in `frames`; video j of a seed
draws from default_rng([seed, j]).

Figures: each spotter goes through `spotting_loso` (fit on the other subjects' videos, predict the
held-out subject's with no segment given; pooled MEGC figures). Speed: frames per second of
`predict` with nothing cached: for the feature-difference spotters (whose curves are cached
across folds) a separate cold pass over every video with the curve cache emptied, before the
LOSO run; for other plugins the LOSO folds' own predict time.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

DEFAULT_SPOTTERS = ("mdmd", "mdmd+suppress", "lbp_spotter", "lbp_spotter+suppress", "motion_spotter")
VARIANTS = {"suppress": {"suppress_micro_in_macro": True}}  # "mdmd+suppress": mdmd with these params
COLD = "a cold pass over every video (curve cache emptied)"


@dataclass
class BenchRow:
    spotter: str
    metrics: dict
    fps: float  # frames per wall-clock second
    cpu_fps: float  # frames per CPU second (all threads): steadier on a shared machine
    speed_note: str
    seconds: float
    chosen_p: list = field(default_factory=list)


def make_videos(faces: Path, *, n_videos: int = 8, seed: int = 0, frames: tuple[int, int] = (900, 1200),
                n_events: int = 3, n_distractors: int = 2, fps: float = 200.0) -> list:
    """LabeledClips of long synthetic videos, one subject each (dataset "synthetic-long")."""
    from mlbackend.synthetic import SyntheticConfig, load_face_bank, make_long_video, to_labeled_clip

    bank = load_face_bank(faces)
    subjects = sorted({t.subject for t in bank})
    if n_videos > len(subjects):
        raise ValueError(f"the face bank has {len(subjects)} subjects; ask for at most that many videos")
    config = SyntheticConfig(fps=fps)
    videos = []
    for j, subject in enumerate(subjects[:n_videos]):
        template = next(t for t in bank if t.subject == subject)
        rng = np.random.default_rng([seed, j])
        length = int(rng.integers(frames[0], frames[1] + 1))
        synth = make_long_video(template, rng, config, n_events=n_events, n_distractors=n_distractors, length=length,
                                clip_id=f"{subject}_long{j:02d}")
        videos.append(to_labeled_clip(synth, dataset="synthetic-long"))
    return videos


def _factory(spec: str) -> tuple[type, dict]:
    from mlbackend.registry import get_plugin_class, load_plugins

    name, _, variant = spec.partition("+")
    load_plugins([f"plugins.{name}"])
    params = {}
    for part in filter(None, variant.split("+")):
        if part not in VARIANTS:
            raise ValueError(f"unknown variant {part!r} in {spec!r}; known: {sorted(VARIANTS)}")
        params.update(VARIANTS[part])
    return get_plugin_class(name), params


def run_benchmark(videos: Sequence, spotters: Sequence[str] = DEFAULT_SPOTTERS, *, seed: int = 0,
                  log: Callable[[str], None] = lambda message: None) -> list[BenchRow]:
    from mlbackend.evaluation.spotting import spotting_loso
    from mlbackend.spotting.framework import CURVES
    from mlbackend.spotting.plugin import FeatureDifferenceSpotter

    n_frames = sum(v.clip.n_frames for v in videos)
    rows = []
    for spec in spotters:
        cls, params = _factory(spec)
        started = time.monotonic()
        fps, cpu_fps, note = None, None, ""
        with tempfile.TemporaryDirectory() as workdir:
            if issubclass(cls, FeatureDifferenceSpotter):
                earlier = _cold_fps(rows, spec)
                if earlier is not None:  # a variant that only post-processes the same (cached) curves
                    (fps, cpu_fps), note = earlier, f"the cold pass of {spec.partition('+')[0]} (same curves)"
                else:
                    CURVES.clear()
                    plugin = cls(params={**params, "tune_p": False})
                    plugin.fit([], workdir=Path(workdir) / "speed", progress=lambda f, m: None, device="cpu", seed=seed)
                    t0, c0 = time.monotonic(), time.process_time()
                    plugin.predict([v.clip for v in videos])
                    fps, cpu_fps = n_frames / (time.monotonic() - t0), n_frames / (time.process_time() - c0)
                    note = COLD
            log(f"{spec}: leave-one-subject-out over {len(videos)} videos")
            messages = []
            result = spotting_loso(lambda: cls(params=params), videos, workdir=Path(workdir) / "loso",
                                   progress=lambda f, m: messages.append(m), seed=seed)
        if fps is None:
            wall = sum(f["predict_seconds"] for f in result.folds)
            cpu = sum(f["predict_cpu_seconds"] for f in result.folds)
            fps = n_frames / wall if wall > 0 else float("inf")
            cpu_fps = n_frames / cpu if cpu > 0 else float("inf")
            note = "the LOSO folds' predict time"
        settings = Counter(m.split(": ", 1)[1].replace(" (tuned on training F1)", "")
                           for m in messages if "(tuned" in m or "(given" in m)
        chosen = [f"{setting} (x{count})" for setting, count in sorted(settings.items())]
        rows.append(BenchRow(spec, result.overall, fps, cpu_fps, note, time.monotonic() - started, chosen))
        log(f"{spec}: done in {rows[-1].seconds:.1f} s")
    return rows


def _cold_fps(rows: Sequence[BenchRow], spec: str) -> tuple[float, float] | None:
    """(fps, cpu_fps) of the cold pass of an earlier row of the same plugin, if any."""
    base = spec.partition("+")[0]
    return next(((row.fps, row.cpu_fps) for row in rows
                 if row.spotter.partition("+")[0] == base and row.speed_note == COLD), None)


def format_table(rows: Sequence[BenchRow], videos: Sequence) -> str:
    n_true = {kind: sum(1 for v in videos for e in v.events if e.kind == kind) for kind in ("micro", "macro")}
    lines = [
        f"{len(videos)} videos, {sum(v.clip.n_frames for v in videos)} frames at {videos[0].clip.fps:g} fps, "
        f"{n_true['micro']} micro + {n_true['macro']} macro events (+ blinks, not events); "
        "MEGC rule: TP at IoU >= 0.5, pooled over videos, leave-one-subject-out",
        "",
        f"{'spotter':<22} {'micro TP/FP/FN':>15} {'F1':>6}  {'macro TP/FP/FN':>15} {'F1':>6}  "
        f"{'overall TP/FP/FN':>17} {'P':>6} {'R':>6} {'F1':>6}  {'fps wall':>8} {'fps CPU':>8}",
    ]
    for row in rows:
        m = row.metrics

        def counts(kind):
            return f"{m[kind]['tp']}/{m[kind]['fp']}/{m[kind]['fn']}"

        lines.append(
            f"{row.spotter:<22} {counts('micro'):>15} {m['micro']['f1']:>6.3f}  {counts('macro'):>15} "
            f"{m['macro']['f1']:>6.3f}  {counts('overall'):>17} {m['overall']['precision']:>6.3f} "
            f"{m['overall']['recall']:>6.3f} {m['overall']['f1']:>6.3f}  {row.fps:>8.0f} {row.cpu_fps:>8.0f}"
        )
    lines.append("fps wall: frames per wall-clock second of predict (nothing cached); fps CPU: per CPU second of "
                 "this process, all threads (steadier when the machine is shared)")
    lines.append("")
    for row in rows:
        lines.append(f"{row.spotter}: {row.seconds:.1f} s; speed from {row.speed_note}"
                     + (f"; chosen in the {len(videos)} folds: {'; '.join(row.chosen_p)}" if row.chosen_p else ""))
    return "\n".join(lines)
