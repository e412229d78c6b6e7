"""Action Units as localised displacement fields placed with the 468 face-mesh landmarks.

An AU is a set of anchors: face-mesh landmarks (or the mean of a few) that move in a direction
given in the subject's own frame, `out` (away from the face midline) and `up` (towards the
forehead). Around every anchor the motion falls off as a Gaussian whose width is a fraction of
the inter-ocular distance (IOD, 46 px on the 128 px crop: 0.15 IOD ~ 7 px), so a movement stays
local. An optional gate (a soft horizontal line through landmarks) keeps the side of the face that
must not move still: the eyeballs under a brow movement, the upper lip under a jaw drop.

Sides follow FACS: "R" is the subject's right, which is the image's left in a frontal,
non-mirrored crop; "L" the subject's left (image right). A unilateral AU keeps the anchors of
its side and half the weight of its midline anchors.

`build_field` sums the AUs of a movement, each normalised to a largest displacement of 1 and
weighted by its relative intensity, and scales the sum so that its largest displacement is
exactly `peak_px`. Fields are *forward* (a point at p moves to p + D(p)); the renderer inverts
them. The blink (AU45) is the exception: a backward field that fills the eye with the lid skin
above it, since a closing lid covers the eye rather than stretching it.

The emotion classes and the AU combinations drawn for each (`EMOTION_VARIANTS`) follow the
objective classes of the composite ME benchmarks (MEGC): positive = AU6+12 / AU12; negative =
AU4, AU4+7, AU9+10, AU14, AU15+17, AU4+15; surprise = AU1+2 (+5, +26). See docs/synthetic.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Index = int | tuple[int, ...]  # a landmark, or the mean of several


@dataclass(frozen=True)
class Anchor:
    right: tuple[Index, ...] = ()  # subject's right (image left)
    left: tuple[Index, ...] = ()  # subject's left (image right)
    centre: tuple[Index, ...] = ()  # on the midline
    out: float = 0.0  # away from the midline (+) or towards it (-)
    up: float = 0.0  # towards the forehead (+) or the chin (-)
    weight: float = 1.0


@dataclass(frozen=True)
class Gate:
    """Keep the motion on one side of the horizontal line at the mean y of `landmarks` (+ shift IOD)."""

    keep: str  # "above" or "below"
    landmarks: tuple[int, ...]
    shift: float = 0.0


@dataclass(frozen=True)
class AUSpec:
    number: int
    name: str
    anchors: tuple[Anchor, ...]
    sigma: tuple[float, float]  # Gaussian width (x, y) as a fraction of the IOD
    gate: Gate | None = None
    backward: bool = False  # the field is a backward map (dst(p) = src(p - B(p))): AU45 only


# Face-mesh landmark groups (subject's right / left).
BROW_INNER = ((107, 66, 55, 65), (336, 296, 285, 295))
BROW_MIDDLE = ((105, 52), (334, 282))
BROW_OUTER = ((70, 63, 46, 53), (300, 293, 276, 283))
UPPER_LID = ((159, 158, 160, 157, 161), (386, 385, 387, 384, 388))
LOWER_LID = ((145, 144, 153, 163, 154), (374, 373, 380, 390, 381))
EYE_CORNERS = (33, 133, 362, 263)
CHEEK = ((118, 117, 119, 101, 100), (347, 346, 348, 330, 329))
CHEEK_LOW = ((50, 205), (280, 425))
NOSE_SIDE = ((129, 98, 48, 64), (358, 327, 278, 294))
NASOLABIAL = ((203,), (423,))
MOUTH_CORNER = ((61, 76, 62), (291, 306, 292))
UPPER_LIP = ((37, 39, 40), (267, 269, 270))
LOWER_LIP = ((84, 181), (314, 405))
LIP_LINE = (13, 14, 78, 308)  # where the lips meet
BROW_LOWER_LINE = (55, 52, 65, 285, 282, 295)
UPPER_LID_LINE = (159, 386)
# Lid contours from corner to corner, for the blink: (upper, lower) of the right, then the left eye.
LID_CONTOURS = (
    ((33, 246, 161, 160, 159, 158, 157, 173, 133), (33, 7, 163, 144, 145, 153, 154, 155, 133)),
    ((263, 466, 388, 387, 386, 385, 384, 398, 362), (263, 249, 390, 373, 374, 380, 381, 382, 362)),
)

ABOVE_EYES = Gate("above", UPPER_LID_LINE, shift=-0.02)
BELOW_EYE_CENTRE = Gate("below", EYE_CORNERS, shift=0.02)
BELOW_LIPS = Gate("below", LIP_LINE)
ABOVE_LIPS = Gate("above", LIP_LINE)


def _pair(groups, **kwargs) -> Anchor:
    right, left = groups
    return Anchor(right=tuple(right), left=tuple(left), **kwargs)


AU_SPECS: dict[int, AUSpec] = {spec.number: spec for spec in (
    AUSpec(1, "Inner brow raiser", (
        _pair(BROW_INNER, up=1.0),
        _pair(BROW_MIDDLE, up=1.0, weight=0.5),
        Anchor(centre=(9,), up=1.0, weight=0.4),
    ), sigma=(0.15, 0.15), gate=ABOVE_EYES),
    AUSpec(2, "Outer brow raiser", (
        _pair(BROW_OUTER, out=0.15, up=1.0),
        _pair(BROW_MIDDLE, up=1.0, weight=0.6),
    ), sigma=(0.15, 0.15), gate=ABOVE_EYES),
    AUSpec(4, "Brow lowerer", (
        _pair(BROW_INNER, out=-0.7, up=-0.7),
        _pair(BROW_MIDDLE, out=-0.2, up=-0.6, weight=0.6),
        Anchor(centre=(9,), up=-0.5, weight=0.3),
    ), sigma=(0.15, 0.15), gate=ABOVE_EYES),
    AUSpec(5, "Upper lid raiser", (
        _pair(UPPER_LID, up=1.0),
    ), sigma=(0.12, 0.07), gate=Gate("below", BROW_LOWER_LINE, shift=0.03)),
    AUSpec(6, "Cheek raiser", (
        _pair(CHEEK, out=0.15, up=1.0),
        _pair((LOWER_LID[0][:3], LOWER_LID[1][:3]), up=1.0, weight=0.4),
        _pair(CHEEK_LOW, up=1.0, weight=0.5),
    ), sigma=(0.17, 0.17), gate=BELOW_EYE_CENTRE),
    AUSpec(7, "Lid tightener", (
        _pair(LOWER_LID, up=1.0),
    ), sigma=(0.12, 0.07), gate=BELOW_EYE_CENTRE),
    AUSpec(9, "Nose wrinkler", (
        _pair(NOSE_SIDE, out=-0.2, up=1.0),
        Anchor(centre=(197, 195, 5), up=1.0, weight=0.5),
        _pair(NASOLABIAL, up=1.0, weight=0.5),
        Anchor(centre=(0,), right=(37,), left=(267,), up=1.0, weight=0.3),
    ), sigma=(0.13, 0.13)),
    AUSpec(10, "Upper lip raiser", (
        Anchor(centre=(0, 13), up=1.0),
        _pair(UPPER_LIP, up=1.0),
        _pair(((185,), (409,)), up=1.0, weight=0.5),
        _pair(NASOLABIAL, out=0.2, up=1.0, weight=0.4),
    ), sigma=(0.13, 0.13), gate=ABOVE_LIPS),
    AUSpec(12, "Lip corner puller", (
        _pair(MOUTH_CORNER, out=0.8, up=0.6),
        _pair(((185, 146, 40, 91), (409, 375, 270, 321)), out=0.5, up=0.4, weight=0.5),
        _pair(CHEEK_LOW, out=0.2, up=0.5, weight=0.4),
    ), sigma=(0.15, 0.15)),
    AUSpec(14, "Dimpler", (
        # corners tighten: pulled back into the cheek, which in the image is slightly outwards and
        # up, while the skin just lateral to them is drawn in: a crease (the dimple) forms there.
        _pair(MOUTH_CORNER, out=0.4, up=0.2),
        _pair(((57, 212), (287, 432)), out=-0.8, weight=0.7),
    ), sigma=(0.1, 0.12)),
    AUSpec(15, "Lip corner depressor", (
        _pair(((61,), (291,)), out=0.15, up=-1.0),
        _pair(((76, 62, 146, 91), (306, 292, 375, 321)), out=0.1, up=-1.0, weight=0.6),
        _pair(((57, 43), (287, 273)), up=-1.0, weight=0.5),
    ), sigma=(0.15, 0.15)),
    AUSpec(17, "Chin raiser", (
        Anchor(centre=(18, 200, 199), up=1.0),
        Anchor(centre=(17, 14), up=1.0, weight=0.6),
        _pair(LOWER_LIP, up=1.0, weight=0.6),
    ), sigma=(0.17, 0.17), gate=BELOW_LIPS),
    AUSpec(26, "Jaw drop", (
        Anchor(centre=(17, 14, 18, 200, 199, 175), up=-1.0),
        _pair(((84, 181, 91, 146), (314, 405, 321, 375)), up=-1.0, weight=0.8),
        _pair(((148, 176, 149), (377, 400, 378)), up=-1.0, weight=0.7),
    ), sigma=(0.22, 0.22), gate=BELOW_LIPS),
    # The blink has no anchors: `blink_field` stretches the lid skin down over the eye.
    AUSpec(45, "Blink", (), sigma=(0.0, 0.0), backward=True),
)}

# Relative intensity of an AU inside a combination (the leading AU of a class has 1).
AU_WEIGHT = {1: 1.0, 2: 0.9, 4: 1.0, 5: 0.6, 6: 0.6, 7: 0.6, 9: 1.0, 10: 0.8, 12: 1.0, 14: 1.0,
             15: 1.0, 17: 0.8, 26: 0.8, 45: 1.0}

AUCode = tuple[int, str]  # (number, side): side "both", "L" or "R"
B = "both"
# Emotion class -> (AU combination, relative probability).
EMOTION_VARIANTS: dict[str, tuple[tuple[tuple[AUCode, ...], float], ...]] = {
    "positive": (
        (((6, B), (12, B)), 3.0),
        (((12, B),), 2.0),
        (((12, "L"),), 0.5),
        (((12, "R"),), 0.5),
    ),
    "negative": (
        (((4, B),), 1.0),
        (((4, B), (7, B)), 1.0),
        (((9, B), (10, B)), 1.0),
        (((14, B),), 0.5),
        (((14, "L"),), 0.25),
        (((14, "R"),), 0.25),
        (((15, B), (17, B)), 1.0),
        (((4, B), (15, B)), 1.0),
    ),
    "surprise": (
        (((1, B), (2, B)), 1.0),
        (((1, B), (2, B), (5, B)), 1.0),
        (((1, B), (2, B), (26, B)), 1.0),
        (((1, B), (2, B), (5, B), (26, B)), 1.0),
    ),
}
EMOTIONS = tuple(EMOTION_VARIANTS)
BLINK: tuple[AUCode, ...] = ((45, B),)

MAX_SLOPE = 0.6  # largest |dD/dp| of a forward field, so that the renderer can invert it


def eye_distance(landmarks: np.ndarray) -> float:
    right = landmarks[[33, 133]].mean(axis=0)
    left = landmarks[[362, 263]].mean(axis=0)
    return float(np.linalg.norm(left - right))


def eye_opening(landmarks: np.ndarray) -> float:
    """Mean distance between the upper and the lower lid, in landmark pixels."""
    return float((np.linalg.norm(landmarks[159] - landmarks[145]) + np.linalg.norm(landmarks[386] - landmarks[374])) / 2)


def _point(landmarks: np.ndarray, index: Index) -> np.ndarray:
    if isinstance(index, tuple):
        return landmarks[list(index)].mean(axis=0)
    return landmarks[index]


def _anchor_points(spec: AUSpec, side: str, landmarks: np.ndarray):
    """(x, y, dx, dy, weight) for every anchor point of `spec` on `side` ("both", "L", "R")."""
    points = []
    for anchor in spec.anchors:
        for group, sign, keep in ((anchor.right, -1.0, side in ("both", "R")),
                                  (anchor.left, 1.0, side in ("both", "L")),
                                  (anchor.centre, 0.0, True)):
            if not keep:
                continue
            weight = anchor.weight * (0.5 if sign == 0.0 and side != "both" else 1.0)
            for index in group:
                x, y = _point(landmarks, index)
                points.append((x, y, sign * anchor.out, -anchor.up, weight))
    return points


def _gate(spec: AUSpec, landmarks: np.ndarray, ys: np.ndarray, softness: float, iod: float) -> np.ndarray:
    if spec.gate is None:
        return np.ones_like(ys)
    line = float(landmarks[list(spec.gate.landmarks), 1].mean()) + spec.gate.shift * iod
    signed = (ys - line) if spec.gate.keep == "below" else (line - ys)
    return 1.0 / (1.0 + np.exp(-signed / softness))


def blink_field(landmarks: np.ndarray, size: int, side: str = "both", *, crease: float = 0.8, fade: float = 1.5) -> np.ndarray:
    """Backward (size, size, 2) field of a closed eye: frame(p) = template(p - B(p)).

    Between the lid crease (`crease` eye openings above the upper lid) and the lower lid, the
    lid skin is stretched down so that the upper lid's edge lands on the lower lid; below the
    lower lid the offset fades out over `fade` pixels. In pixels: at the lower lid B is the eye
    opening there.
    """
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float64)
    field = np.zeros((size, size, 2))
    for eye, (upper, lower) in zip(("R", "L"), LID_CONTOURS):
        if side not in ("both", eye):
            continue
        up_points = landmarks[list(upper)].astype(np.float64)
        low_points = landmarks[list(lower)].astype(np.float64)
        x0, x1 = float(up_points[:, 0].min()), float(up_points[:, 0].max())
        order_up = np.argsort(up_points[:, 0])
        order_low = np.argsort(low_points[:, 0])
        column = np.clip(xs[0], x0, x1)
        y_up = np.interp(column, up_points[order_up, 0], up_points[order_up, 1])
        y_low = np.interp(column, low_points[order_low, 0], low_points[order_low, 1])
        opening = np.maximum(y_low - y_up, 0.0)
        y_crease = y_up - crease * float(opening.max())
        # 1 inside the corners, smooth to 0 two pixels outside
        edge = np.clip(np.minimum(xs[0] - x0, x1 - xs[0]) / 2.0 + 1.0, 0.0, 1.0)
        window = edge * edge * (3 - 2 * edge)
        stretch = opening / np.maximum(y_low - y_crease, 1e-6)  # B grows by this per pixel below the crease
        ramp = np.clip(ys - y_crease, 0.0, None) * stretch
        below = np.clip(1.0 - (ys - y_low) / fade, 0.0, 1.0)
        offset = np.where(ys <= y_low, ramp, opening * below) * window
        field[..., 1] = np.maximum(field[..., 1], offset)
    return field


def au_field(
    number: int, side: str, landmarks: np.ndarray, size: int, *, sigma_scale: float = 1.0, softness: float = 1.0,
) -> np.ndarray:
    """One AU's (size, size, 2) field (dx, dy) in pixels, largest displacement 1 (the blink: see blink_field)."""
    if number == 45:
        return blink_field(landmarks, size, side)
    spec = AU_SPECS[number]
    iod = eye_distance(landmarks)
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float64)
    sx, sy = (s * iod * sigma_scale for s in spec.sigma)
    field = np.zeros((size, size, 2))
    for x, y, dx, dy, weight in _anchor_points(spec, side, landmarks):
        norm = np.hypot(dx, dy)
        if norm == 0:
            continue
        bump = weight * np.exp(-0.5 * (((xs - x) / sx) ** 2 + ((ys - y) / sy) ** 2))
        field[..., 0] += bump * dx / norm
        field[..., 1] += bump * dy / norm
    field *= _gate(spec, landmarks, ys, softness, iod)[..., None]
    largest = float(np.hypot(field[..., 0], field[..., 1]).max())
    return field / largest if largest > 0 else field


def max_slope(field: np.ndarray) -> float:
    """Largest Frobenius norm of the field's Jacobian (an upper bound of its spectral norm)."""
    dxdy, dxdx = np.gradient(field[..., 0])
    dydy, dydx = np.gradient(field[..., 1])
    return float(np.sqrt(dxdx ** 2 + dxdy ** 2 + dydx ** 2 + dydy ** 2).max())


def build_field(
    aus: tuple[AUCode, ...], landmarks: np.ndarray, size: int, peak_px: float, *,
    weights: tuple[float, ...] | None = None, sigma_scale: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """(forward, backward) (size, size, 2) float32 fields of a movement at its apex.

    The forward field's largest displacement is `peak_px`. When its slope would fold the image
    or defeat the renderer's inversion (> MAX_SLOPE; macro-sized movements only), its bumps and
    gates are widened until it does not. The backward field (the blink) keeps its own size,
    which closes the eye exactly; `peak_px` does not scale it.
    """
    weights = tuple(AU_WEIGHT.get(n, 1.0) for n, _ in aus) if weights is None else tuple(weights)
    if len(weights) != len(aus):
        raise ValueError("one weight per AU")
    base_softness = max(1.0 * size / 128, peak_px / 2.5)  # a gate's slope is peak / (4 softness)
    forward = np.zeros((size, size, 2))
    backward = np.zeros((size, size, 2))
    for (number, side), weight in zip(aus, weights):
        if number not in AU_SPECS:
            raise ValueError(f"AU{number} has no displacement field; known: {sorted(AU_SPECS)}")
        if AU_SPECS[number].backward:
            backward = np.maximum(backward, au_field(number, side, landmarks, size))
    forward_aus = [(au, w) for au, w in zip(aus, weights) if not AU_SPECS[au[0]].backward]
    widen = 1.0
    for _ in range(8):
        forward = np.zeros((size, size, 2))
        for (number, side), weight in forward_aus:
            forward += weight * au_field(number, side, landmarks, size, sigma_scale=sigma_scale * widen,
                                         softness=base_softness * widen)
        largest = float(np.hypot(forward[..., 0], forward[..., 1]).max())
        if largest == 0:
            break
        forward *= peak_px / largest
        slope = max_slope(forward)
        if slope <= MAX_SLOPE:
            break
        # A field's slope scales with peak / width: widen the bumps and gates (macro movements only).
        widen *= 1.05 * slope / MAX_SLOPE
    return forward.astype(np.float32), backward.astype(np.float32)


def describe(aus: tuple[AUCode, ...]) -> str:
    """'AU6+12', 'AU12L', ..."""
    parts = [f"{n}{'' if side == 'both' else side}" for n, side in aus]
    return "AU" + "+".join(parts)
