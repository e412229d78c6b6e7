"""Apex-first assist: the coder marks an apex, this proposes the onset and the offset.

    propose_interval(frames, apex, fps, *, kind="micro", ...) -> (onset, offset)

Plugin-independent and pure (no Django, no state): frames in, two frame ids out.

How
---
1. A window around the apex: `max_seconds` each side (0.5 s for a micro-expression, which
   lasts 0.5 s at most in all; 2.0 s for a macro one), cut at the clip's ends.
2. A motion curve d(t) over the window: the optical-flow displacement of frame t against the
   APEX frame (mlbackend.vision.MotionMeter: DIS flow of the grey face at `size` px, the
   head's translation undone, the magnitude averaged over the quarter of an 8 x 8 face grid
   that moved most), smoothed over about fps / 40 frames. d is 0 at the apex and grows as
   the face goes back towards neutral; outside the movement it levels off at the movement's
   amplitude A.
3. Per side, A is read as a high quantile (`plateau_quantile`) of d over that side; walking
   out from the apex, the first frame where d reaches `level` x A (interpolated between frames)
   marks the half-way frame t_half of the rise (or fall). An expression's onset -> apex ramp is
   close to symmetric about its half-way point (a raised cosine for the synthetic data), so
   with level = 0.5: onset = apex - 2 (apex - t_half), likewise offset = apex + 2 (t_half' - apex)
   (other levels assume the raised cosine, see `_side`).
   The half-way crossing sits well above the noise, unlike the movement's flat start, so this
   is far less late than walking out to where the curve first leaves the noise.
   `mode="threshold"` instead walks out to where d reaches (1 - fraction) x A (the
   classic "falls below a fraction of the apex value" rule on the apex-relative curve).
4. Where d never reaches the level on a side (no movement found), that side's window end is
   returned.

`propose_interval` accepts a ClipInput (its aligned faces, else frames cropped to the
landmarks' box) or any indexable frame sequence (FrameSource, list, array of BGR or grey
frames).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_SECONDS = {"micro": 0.5, "macro": 2.0}


@dataclass(frozen=True)
class Proposal:
    onset: int
    apex: int
    offset: int
    amplitude_before: float  # plateau of d before the apex, face pixels
    amplitude_after: float
    curve_start: int  # the window's first frame; curve[i] is frame curve_start + i
    curve: tuple[float, ...]


class _Faces:
    """Grey size x size images of a plain frame sequence, cached."""

    def __init__(self, frames, size: int):
        self.frames, self.size, self.cache = frames, size, {}

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, index: int) -> np.ndarray:
        if index not in self.cache:
            from mlbackend.vision.face import prepare_face

            self.cache[index] = prepare_face(np.asarray(self.frames[index]), self.size)
        return self.cache[index]


def _faces(frames, size: int):
    from mlbackend.contract import ClipInput

    if isinstance(frames, ClipInput):
        from mlbackend.vision.face import FaceFrames

        return FaceFrames(frames, size, cache=4096)
    return _Faces(frames, size)


def _side(curve: np.ndarray, apex_index: int, direction: int, level: float, quantile: float, mode: str,
          fraction: float) -> tuple[int, float]:
    """(frame index into the window of the onset (direction -1) or offset (+1), plateau)."""
    side = curve[apex_index::direction] if direction > 0 else curve[apex_index::-1]
    # side[0] is the apex; side[j] lies j frames away from it
    if side.size < 2:
        return apex_index, 0.0
    plateau = float(np.quantile(side[1:], quantile))
    if plateau <= 0:
        return apex_index + direction * (side.size - 1), plateau
    target = (1.0 - fraction) if mode == "threshold" else level
    reached = np.flatnonzero(side >= target * plateau)
    reached = reached[reached > 0]
    if reached.size == 0:
        return apex_index + direction * (side.size - 1), plateau
    j = int(reached[0])
    if j > 0 and side[j] > side[j - 1]:  # sub-frame crossing between j-1 and j
        crossing = j - 1 + (target * plateau - side[j - 1]) / (side[j] - side[j - 1])
    else:
        crossing = float(j)
    if mode == "threshold":
        distance = crossing
    else:
        # Ramp a(tau) = (1 - cos(pi tau)) / 2 from the onset (tau 0) to the apex (tau 1); d = A (1 - a)
        # reaches level x A at a distance x = acos(1 - 2 level) / pi of the ramp's length from the
        # apex (x = 1/2 for level 1/2, which holds for any ramp symmetric about its half-way point).
        x = float(np.arccos(1.0 - 2.0 * level) / np.pi)
        distance = crossing / x
    distance = min(float(side.size - 1), distance)
    return apex_index + direction * int(round(distance)), plateau


def propose(
    frames, apex: int, fps: float, *, kind: str = "micro", max_seconds: float | None = None, level: float = 0.5,
    mode: str = "midpoint", fraction: float = 0.1, plateau_quantile: float = 0.75, size: int = 128,
    method: str = "dis", smoothing: float = 1.0, step: int = 1,
) -> Proposal:
    """The proposal with its curve (for display); see `propose_interval` and the module docstring."""
    from mlbackend.vision.motion import MotionMeter, smooth, smoothing_window

    if kind not in MAX_SECONDS:
        raise ValueError(f"kind must be 'micro' or 'macro', got {kind!r}")
    if mode not in ("midpoint", "threshold"):
        raise ValueError(f"mode must be 'midpoint' or 'threshold', got {mode!r}")
    if not 0 < level < 1 or not 0 < fraction < 1 or not 0 < plateau_quantile <= 1:
        raise ValueError("level, fraction and plateau_quantile must lie in (0, 1)")
    if not fps or fps <= 0:
        raise ValueError(f"a positive fps is needed, got {fps!r}")
    faces = _faces(frames, size)
    n = len(faces)
    apex = int(apex)
    if not 0 <= apex < n:
        raise ValueError(f"apex {apex} lies outside the clip's frames 0..{n - 1}")
    half = max(2, int(round((MAX_SECONDS[kind] if max_seconds is None else float(max_seconds)) * float(fps))))
    start, stop = max(0, apex - half), min(n - 1, apex + half)
    meter = MotionMeter(faces[apex], method=method)
    measured = np.unique(np.r_[np.arange(start, stop + 1, max(1, int(step))), apex, stop])
    values = np.array([0.0 if t == apex else meter(faces[int(t)]) for t in measured])
    curve = np.interp(np.arange(start, stop + 1), measured, values)
    curve = smooth(curve, smoothing_window(fps, smoothing))
    curve = np.maximum(curve - curve[apex - start], 0.0)  # smoothing lifts the apex off zero
    onset, before = _side(curve, apex - start, -1, level, plateau_quantile, mode, fraction)
    offset, after = _side(curve, apex - start, +1, level, plateau_quantile, mode, fraction)
    return Proposal(start + onset, apex, start + offset, before, after, start, tuple(float(v) for v in curve))


def propose_interval(
    frames, apex: int, fps: float, *, kind: str = "micro", max_seconds: float | None = None, level: float = 0.5,
    mode: str = "midpoint", fraction: float = 0.1, plateau_quantile: float = 0.75, size: int = 128,
    method: str = "dis", smoothing: float = 1.0, step: int = 1,
) -> tuple[int, int]:
    """(onset, offset), inclusive frame ids with onset <= apex <= offset, for the movement whose
    apex the coder marked.

    frames: a ClipInput (faces used when present) or an indexable sequence of BGR / grey frames
    of one clip; apex: its frame id; fps: the clip's frame rate; kind: "micro" (looks 0.5 s each
    side) or "macro" (2 s); max_seconds overrides that reach. level: the share of the movement's
    amplitude whose crossing is taken as half-way through the ramp (mode "midpoint", default),
    fraction: for mode "threshold", how close to the amplitude d must come. size, method,
    smoothing (x fps / 40 frames), step (measure every step-th frame): the motion curve's.
    About 4 ms a measured frame at 128 px (0.4 s for a micro window at 200 fps).
    """
    proposal = propose(frames, apex, fps, kind=kind, max_seconds=max_seconds, level=level, mode=mode,
                       fraction=fraction, plateau_quantile=plateau_quantile, size=size, method=method,
                       smoothing=smoothing, step=step)
    return proposal.onset, proposal.offset
