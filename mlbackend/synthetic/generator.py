"""Seeded synthetic micro-expression clips and long videos with their ground truth.

A clip starts on the neutral template (at least `lead_frames` frames before the onset) and
holds one micro-expression: AUs of one emotion class warped onto the face with an
onset -> apex -> offset profile, peak displacement drawn in `peak_px` (pixels on a 128 px
face), plus slight head drift, illumination flicker and sensor noise. In macro mode
(`make_clip(..., kind="macro")`) the clip holds one macro-expression of the class instead: the
same AUs at macro intensity (`macro_px`, `macro_seconds`, wider fields). A long video holds
several micro events, macro movements (labelled, kind "macro") and blinks (distractors, not
labelled as events) that never overlap.

Every random choice comes from the numpy Generator given (or from seeds derived from
`seed`), in a fixed order, so the same seed gives byte-identical frames. The noise, drift and
flicker are drawn even when the config turns them off, so a clean re-render (`render_clip(...,
clean=True)`) shows the same movement.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from mlbackend.contract import AU, ArrayFrames, ClipInput, Event, LabeledClip
from mlbackend.synthetic.aus import AU_WEIGHT, BLINK, EMOTION_VARIANTS, AUCode, blink_field, build_field
from mlbackend.synthetic.render import Layer, drift_path, flicker_gains, render_frames, temporal_profile
from mlbackend.synthetic.template import FaceTemplate


@dataclass(frozen=True)
class SyntheticConfig:
    seed: int = 0
    fps: float = 200.0
    n_frames: tuple[int, int] = (30, 120)  # clip length range, frames
    size: int = 128  # crop side; must match the face bank's
    peak_px: tuple[float, float] = (0.5, 3.0)  # micro peak displacement, pixels on a 128 px face
    micro_seconds: tuple[float, float] = (0.04, 0.5)  # onset -> offset of a micro event
    rise_fraction: tuple[float, float] = (0.25, 0.6)  # (apex - onset) / (offset - onset)
    intensity_jitter: tuple[float, float] = (0.7, 1.0)  # multiplies each AU's relative weight
    lead_frames: int = 10  # neutral frames before the first onset, at least
    tail_frames: int = 3  # frames after the last offset, at least
    noise_sigma: float = 1.5  # Gaussian sensor noise, grey levels
    drift_px: tuple[float, float] = (0.2, 0.8)  # largest head translation over a clip, 128 px face
    flicker: tuple[float, float] = (0.005, 0.01)  # illumination gain amplitude (0.5-1 %)
    classes: tuple[str, ...] = ("positive", "negative", "surprise")
    # long videos
    macro_px: tuple[float, float] = (5.0, 10.0)
    macro_seconds: tuple[float, float] = (0.5, 2.0)
    macro_sigma_scale: float = 1.5  # macro movements spread wider than micro ones
    blink_seconds: tuple[float, float] = (0.1, 0.15)
    blink_share: float = 0.6  # probability that a distractor is a blink (else a macro movement)
    min_gap_frames: int = 10  # neutral frames between two movements of a long video, at least

    def __post_init__(self):
        for name in self.classes:
            if name not in EMOTION_VARIANTS:
                raise ValueError(f"unknown class {name!r}; known: {', '.join(EMOTION_VARIANTS)}")
        low, high = self.n_frames
        shortest = self.frames(self.micro_seconds[0])
        if high < shortest + self.lead_frames + self.tail_frames + 1 or low > high:
            raise ValueError(f"n_frames {self.n_frames} cannot hold a {shortest}-frame event with its lead and tail")

    def frames(self, seconds: float) -> int:
        return max(2, int(round(seconds * self.fps)))

    @property
    def px(self) -> float:
        """Pixels on this crop per pixel on a 128 px face."""
        return self.size / 128.0


@dataclass(frozen=True)
class SyntheticEvent:
    onset: int
    apex: int
    offset: int
    kind: str  # "micro", "macro" or "blink"
    emotion: str  # "" for a blink
    aus: tuple[AUCode, ...]  # ((number, side), ...), side "both", "L" or "R" (the subject's)
    peak_px: float  # largest displacement at the apex, crop pixels
    weights: tuple[float, ...]  # relative intensity of each AU
    sigma_scale: float = 1.0

    def as_dict(self) -> dict:
        return {
            "onset": self.onset, "apex": self.apex, "offset": self.offset, "kind": self.kind, "emotion": self.emotion,
            "aus": [{"number": n, "side": side} for n, side in self.aus], "peak_px": round(self.peak_px, 4),
        }


@dataclass(frozen=True, eq=False)
class RenderPlan:
    """Everything a clip's frames follow from, given its template."""

    n_frames: int
    movements: tuple[SyntheticEvent, ...]
    drift: np.ndarray  # (n_frames, 2) head translation, crop pixels
    gains: np.ndarray  # (n_frames,) illumination gain
    noise_sigma: float
    noise_seed: int


@dataclass(frozen=True, eq=False)
class SyntheticClip:
    clip_id: str
    subject: str
    source: str
    fps: float
    frames: np.ndarray  # (n, size, size, 3) uint8 BGR
    events: tuple[SyntheticEvent, ...]  # labelled movements (micro, macro) in time order
    distractors: tuple[SyntheticEvent, ...]  # blinks: movements that are not events
    template: FaceTemplate = field(repr=False)
    plan: RenderPlan = field(repr=False)

    @property
    def n_frames(self) -> int:
        return int(self.frames.shape[0])

    @property
    def event(self) -> SyntheticEvent:
        if len(self.events) != 1:
            raise ValueError(f"{self.clip_id} holds {len(self.events)} events; read .events")
        return self.events[0]

    # The single event of a clip made by make_clip:
    onset = property(lambda self: self.event.onset)
    apex = property(lambda self: self.event.apex)
    offset = property(lambda self: self.event.offset)
    aus = property(lambda self: self.event.aus)
    emotion = property(lambda self: self.event.emotion)


# ---- fields and rendering ----

def movement_fields(template: FaceTemplate, movement: SyntheticEvent) -> tuple[np.ndarray, np.ndarray]:
    """(forward, backward) displacement fields of a movement at its apex, crop pixels."""
    return build_field(movement.aus, template.landmarks, template.size, movement.peak_px,
                       weights=movement.weights, sigma_scale=movement.sigma_scale)


def _layers(template: FaceTemplate, plan: RenderPlan) -> list[Layer]:
    layers = []
    for movement in plan.movements:
        forward, backward = movement_fields(template, movement)
        layers.append(Layer(
            temporal_profile(plan.n_frames, movement.onset, movement.apex, movement.offset),
            forward if np.any(forward) else None, backward if np.any(backward) else None,
        ))
    return layers


def render_plan(template: FaceTemplate, plan: RenderPlan, *, clean: bool = False) -> np.ndarray:
    """The frames of `plan`; clean: the movements alone, without drift, flicker or noise."""
    return render_frames(
        template.image, template.hires, _layers(template, plan), plan.n_frames,
        drift=None if clean else plan.drift, gains=None if clean else plan.gains,
        noise_sigma=0.0 if clean else plan.noise_sigma,
        noise_rng=np.random.default_rng(plan.noise_seed),
    )


def render_clip(clip: SyntheticClip, *, clean: bool = False) -> np.ndarray:
    return render_plan(clip.template, clip.plan, clean=clean)


def displacement_at(clip: SyntheticClip, t: int) -> np.ndarray:
    """(size, size, 2) displacement of the clip's movements at frame t, pixels, without the drift:
    forward (p moves to p + D) for AU fields, the backward offset for a blink."""
    total = np.zeros((clip.template.size, clip.template.size, 2), np.float32)
    for movement in clip.plan.movements:
        a = temporal_profile(clip.plan.n_frames, movement.onset, movement.apex, movement.offset)[t]
        if a:
            forward, backward = movement_fields(clip.template, movement)
            total += np.float32(a) * (forward + backward)
    return total


# ---- drawing ----

def _draw_aus(rng: np.random.Generator, emotion: str, config: SyntheticConfig):
    variants = EMOTION_VARIANTS[emotion]
    p = np.array([weight for _, weight in variants], dtype=np.float64)
    aus = variants[int(rng.choice(len(variants), p=p / p.sum()))][0]
    jitter = rng.uniform(*config.intensity_jitter, size=len(aus))
    weights = tuple(float(AU_WEIGHT.get(n, 1.0) * j) for (n, _), j in zip(aus, jitter))
    return aus, weights


MACRO_RISE = (0.3, 0.5)  # (apex - onset) / (offset - onset) of a macro movement


def _apex(rng: np.random.Generator, onset: int, duration: int, rise: tuple[float, float]) -> int:
    return onset + int(np.clip(round(rng.uniform(*rise) * duration), 1, duration - 1))


def _micro(rng: np.random.Generator, onset: int, duration: int, emotion: str, config: SyntheticConfig) -> SyntheticEvent:
    aus, weights = _draw_aus(rng, emotion, config)
    apex = _apex(rng, onset, duration, config.rise_fraction)
    peak = float(rng.uniform(*config.peak_px) * config.px)
    return SyntheticEvent(onset, apex, onset + duration, "micro", emotion, aus, peak, weights)


def _macro(rng: np.random.Generator, onset: int, duration: int, emotion: str, config: SyntheticConfig) -> SyntheticEvent:
    aus, weights = _draw_aus(rng, emotion, config)
    apex = _apex(rng, onset, duration, MACRO_RISE)
    peak = float(rng.uniform(*config.macro_px) * config.px)
    return SyntheticEvent(onset, apex, onset + duration, "macro", emotion, aus, peak, weights, config.macro_sigma_scale)


MOVEMENTS = {"micro": _micro, "macro": _macro}


def _nuisance(rng: np.random.Generator, n_frames: int, config: SyntheticConfig):
    drift = drift_path(rng, n_frames, float(rng.uniform(*config.drift_px) * config.px))
    gains = flicker_gains(rng, n_frames, config.fps, float(rng.uniform(*config.flicker)))
    noise_seed = int(rng.integers(0, 2**63 - 1))
    return drift, gains, noise_seed


def _check(template: FaceTemplate, config: SyntheticConfig) -> None:
    if template.size != config.size:
        raise ValueError(f"template {template.source} is {template.size} px, config.size is {config.size}")


def draw_timing(rng: np.random.Generator, config: SyntheticConfig, kind: str = "micro") -> tuple[int, int, int]:
    """(n_frames, onset, duration) of a one-event clip: the duration (offset - onset) uniform in
    config.micro_seconds (kind "macro": config.macro_seconds), then the length in config.n_frames long
    enough for it, then the onset, with at least lead_frames before it and tail_frames after the offset."""
    low, high = config.n_frames
    seconds = config.macro_seconds if kind == "macro" else config.micro_seconds
    margin = config.lead_frames + config.tail_frames + 1  # onset >= lead, offset <= n - 1 - tail
    shortest = config.frames(seconds[0])
    longest = min(config.frames(seconds[1]), high - margin)
    if shortest > longest:
        raise ValueError(f"n_frames {config.n_frames} cannot hold a {shortest}-frame {kind} event with its lead and "
                         "tail: lower fps or raise n_frames")
    duration = int(rng.integers(shortest, longest + 1))
    n_frames = int(rng.integers(max(low, duration + margin), high + 1))
    onset = int(rng.integers(config.lead_frames, n_frames - config.tail_frames - 1 - duration + 1))
    return n_frames, onset, duration


def make_clip(
    template: FaceTemplate, rng: np.random.Generator, emotion: str | None = None,
    config: SyntheticConfig = SyntheticConfig(), *, clip_id: str | None = None, kind: str = "micro",
) -> SyntheticClip:
    """One clip (length drawn in config.n_frames) holding one event of `emotion` (drawn from
    config.classes when None), rendered on `template`. kind "micro": a micro-expression; "macro" (the
    macro mode): a macro-expression of the class, drawn as the macro movements of long videos
    (macro_seconds long, peak in macro_px, fields widened by macro_sigma_scale, apex at 30-50 % of
    it); its config must hold macro_seconds within n_frames (e.g. fps 10 and n_frames (8, 24))."""
    _check(template, config)
    if kind not in MOVEMENTS:
        raise ValueError(f"kind is 'micro' or 'macro', not {kind!r}")
    if emotion is None:
        emotion = config.classes[int(rng.integers(len(config.classes)))]
    elif emotion not in EMOTION_VARIANTS:
        raise ValueError(f"unknown emotion {emotion!r}; known: {', '.join(EMOTION_VARIANTS)}")
    n_frames, onset, duration = draw_timing(rng, config, kind)
    event = MOVEMENTS[kind](rng, onset, duration, emotion, config)
    drift, gains, noise_seed = _nuisance(rng, n_frames, config)
    plan = RenderPlan(n_frames, (event,), drift, gains, config.noise_sigma, noise_seed)
    return SyntheticClip(
        clip_id or f"{template.subject}_{noise_seed % 10**8:08d}", template.subject, template.source, config.fps,
        render_plan(template, plan), (event,), (), template, plan,
    )


def _subject_seed(subject: str) -> int:
    return zlib.crc32(subject.encode())


def make_dataset(
    templates: Sequence[FaceTemplate], n_per_subject: int, seed: int | None = None,
    config: SyntheticConfig = SyntheticConfig(),
) -> list[SyntheticClip]:
    """n_per_subject clips per subject, classes in turn (balanced when n_per_subject is a multiple of
    len(config.classes)), the subject's templates in turn. Clip j of subject s draws from
    default_rng([seed, crc32(s), j]): a clip does not change when other subjects are added."""
    seed = config.seed if seed is None else seed
    by_subject: dict[str, list[FaceTemplate]] = {}
    for template in templates:
        by_subject.setdefault(template.subject, []).append(template)
    clips = []
    for k, (subject, own) in enumerate(by_subject.items()):
        for j in range(n_per_subject):
            rng = np.random.default_rng([seed, _subject_seed(subject), j])
            emotion = config.classes[(j + k) % len(config.classes)]
            clips.append(make_clip(own[j % len(own)], rng, emotion, config, clip_id=f"{subject}_{j:03d}"))
    return clips


def make_long_video(
    template: FaceTemplate, rng: np.random.Generator, config: SyntheticConfig = SyntheticConfig(),
    n_events: int = 3, n_distractors: int = 3, length: int | None = None, *, clip_id: str | None = None,
) -> SyntheticClip:
    """A video with `n_events` micro events and `n_distractors` distractors, none overlapping.

    A distractor is a blink (AU45, 100-150 ms; in `distractors`, not an event) with probability
    config.blink_share, else a macro movement (5-10 px, 0.5-2 s; an event of kind "macro");
    with two or more distractors there is at least one of each. `length` None: long enough
    for everything plus random neutral stretches; too short a length raises ValueError.
    """
    _check(template, config)
    kinds = ["micro"] * n_events
    for i in range(n_distractors):
        if i == 0:
            kinds.append("blink")
        elif i == 1:
            kinds.append("macro")
        else:
            kinds.append("blink" if rng.uniform() < config.blink_share else "macro")
    kinds = [kinds[i] for i in rng.permutation(len(kinds))]
    ranges = {"micro": config.micro_seconds, "macro": config.macro_seconds, "blink": config.blink_seconds}
    durations = [int(rng.integers(config.frames(ranges[k][0]), config.frames(ranges[k][1]) + 1)) for k in kinds]
    fixed = config.lead_frames + config.tail_frames + 1 + sum(durations) + config.min_gap_frames * max(len(kinds) - 1, 0)
    if length is None:
        length = fixed + int(rng.integers(20 * (len(kinds) + 1), 60 * (len(kinds) + 1) + 1))
    elif length < fixed:
        raise ValueError(f"length {length} cannot hold these {len(kinds)} movements: it needs at least {fixed} frames")
    slack = rng.multinomial(length - fixed, np.full(len(kinds) + 2, 1.0 / (len(kinds) + 2)))
    movements = []
    position = config.lead_frames + int(slack[0])
    for i, (kind, duration) in enumerate(zip(kinds, durations)):
        onset = position
        if kind == "micro":
            emotion = config.classes[int(rng.integers(len(config.classes)))]
            movements.append(_micro(rng, onset, duration, emotion, config))
        elif kind == "macro":
            emotion = config.classes[int(rng.integers(len(config.classes)))]
            movements.append(_macro(rng, onset, duration, emotion, config))
        else:
            apex = _apex(rng, onset, duration, (0.35, 0.45))
            peak = float(blink_field(template.landmarks, template.size)[..., 1].max())  # the eye opening
            movements.append(SyntheticEvent(onset, apex, onset + duration, "blink", "", BLINK, peak, (1.0,)))
        position = onset + duration + config.min_gap_frames + int(slack[i + 1])
    drift, gains, noise_seed = _nuisance(rng, length, config)
    plan = RenderPlan(length, tuple(movements), drift, gains, config.noise_sigma, noise_seed)
    events = tuple(m for m in movements if m.kind != "blink")
    distractors = tuple(m for m in movements if m.kind == "blink")
    return SyntheticClip(
        clip_id or f"{template.subject}_long", template.subject, template.source, config.fps,
        render_plan(template, plan), events, distractors, template, plan,
    )


# ---- export ----

def to_labeled_clip(synth: SyntheticClip, dataset: str = "synthetic") -> LabeledClip:
    """The contract's view: frames (already aligned crops, so faces are the same frames), the
    template's landmarks for every frame, and the labelled events (blinks are not events)."""
    landmarks = np.repeat(np.asarray(synth.template.landmarks, np.float32)[None], synth.n_frames, axis=0)
    frames = ArrayFrames(synth.frames)
    clip = ClipInput(synth.clip_id, synth.subject, dataset, float(synth.fps), synth.n_frames,
                     frames=frames, faces=frames, landmarks=landmarks)
    events = tuple(
        Event(e.onset, e.apex, e.offset, kind=e.kind, emotion=e.emotion, aus=tuple(AU(n, side) for n, side in e.aus))
        for e in synth.events
    )
    return LabeledClip(clip, events)


def ground_truth(synth: SyntheticClip) -> dict:
    truth = {
        "clip_id": synth.clip_id, "subject": synth.subject, "source": synth.source, "fps": synth.fps,
        "n_frames": synth.n_frames, "size": int(synth.frames.shape[1]),
        "events": [e.as_dict() for e in synth.events], "distractors": [e.as_dict() for e in synth.distractors],
    }
    if len(synth.events) == 1:  # a clip from make_clip: its event at the top level too
        truth.update({k: v for k, v in synth.event.as_dict().items() if k != "kind"})
    return truth


def write_frames(synth: SyntheticClip, folder: str | os.PathLike) -> Path:
    """Lossless PNG frames 000000.png ... (a frame folder the app imports) and ground_truth.json."""
    import cv2

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for i, frame in enumerate(synth.frames):
        if not cv2.imwrite(str(folder / f"{i:06d}.png"), frame):
            raise OSError(f"cannot write {folder / f'{i:06d}.png'}")
    (folder / "ground_truth.json").write_text(json.dumps(ground_truth(synth), indent=2) + "\n")
    return folder


def with_clean_nuisance(config: SyntheticConfig) -> SyntheticConfig:
    """The same config without noise, drift or flicker (the random draws are unchanged)."""
    return replace(config, noise_sigma=0.0, drift_px=(0.0, 0.0), flicker=(0.0, 0.0))
