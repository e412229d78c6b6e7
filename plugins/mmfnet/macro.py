"""Macro-expression samples for mmfnet's macro model.

The paper pretrains its macro model on a macro-expression dataset (the release: a classifier on CK+).
None exists in a project, so the macro samples are (1) the training clips' own events of kind
"macro" and (2) macro-expressions rendered by the synthetic generator's macro mode
(mlbackend.sdk.synthetic.make_clip(kind="macro"): the AUs of the class at macro intensity, 5-10 px
on a 128 px face, fields 1.5x wider, apex at 30-50 % of a 0.5-2 s movement) on training faces: the
grey 128 px face at the onset of the first event of up to `limit` training clips (those whose
dataset/subject/clip key has the smallest CRC-32, so that a fold keeps most of the faces of the
others), one sample per class the generator knows (positive, negative, surprise; matched by name).
The fields are placed with the mean face-mesh layout of an aligned crop (mean_face_layout), as the
training faces' own landmarks are not in crop coordinates. Rendered at 10 fps (8-24 frames): only
the onset and apex frames are used.

Only training clips are used, so nothing of a test subject enters. Each sample draws from
default_rng([seed, crc32(face), class]) and its maps are cached per process (LOSO folds share most
faces): the same faces and seed give the same samples in any fold.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

from mlbackend.sdk import CLIPS, LabeledClip, Progress

from plugins.mmfnet.inputs import sample_maps

MACRO = "macro"  # Event.kind of a macro-expression
FACE_SIZE = 128
RENDER = {"fps": 10.0, "n_frames": (8, 24), "lead_frames": 2, "tail_frames": 1}
CACHE_LIMIT = 4096  # cached samples per process (4 x 32 x 32 floats each: 16 KB)
_cache: dict[tuple, np.ndarray] = {}


def generator_classes(labels: Sequence[str]) -> list[str]:
    """The labels the generator can render, in label order."""
    from mlbackend.sdk.synthetic import EMOTIONS

    return [label for label in labels if label in EMOTIONS]


def training_faces(train: Sequence[LabeledClip], limit: int) -> list[tuple]:
    """Up to `limit` (clip, frame) pairs: the onset of each chosen training clip's first event."""
    def key(clip) -> str:
        return f"{clip.dataset}/{clip.subject}/{clip.clip_id}"

    usable = [c for c in train if c.clip.maps is None and c.events]
    usable.sort(key=lambda c: (zlib.crc32(key(c.clip).encode()), key(c.clip)))
    return [(c.clip, min(e.onset for e in c.events)) for c in usable[:limit]]


def render_macro(face: np.ndarray, emotion: str, seed: Sequence[int], size: int, flow: str) -> np.ndarray:
    """(4, size, size) maps of one macro-expression of `emotion` rendered on the grey 128 px `face`."""
    import cv2

    from mlbackend.sdk.synthetic import FaceTemplate, SyntheticConfig, make_clip, mean_face_layout, to_labeled_clip

    template = FaceTemplate("macro", cv2.cvtColor(face, cv2.COLOR_GRAY2BGR), mean_face_layout(FACE_SIZE),
                            "training face")
    synth = make_clip(template, np.random.default_rng(list(seed)), emotion, SyntheticConfig(**RENDER), kind=MACRO)
    sample = to_labeled_clip(synth)
    return sample_maps([(sample.clip, sample.events[0].segment)], CLIPS, size, flow)[0]


def synthetic_macro(train: Sequence[LabeledClip], labels: Sequence[str], *, limit: int, seed: int, size: int,
                    flow: str, progress: Progress) -> tuple[np.ndarray, np.ndarray]:
    """(maps (n, 4, size, size), targets (n,) label indices) of the rendered macro samples."""
    from mlbackend.sdk.synthetic import EMOTIONS
    from mlbackend.sdk.vision import FaceFrames

    classes = generator_classes(labels)
    faces = training_faces(train, limit) if classes else []
    maps, targets = [], []
    for done, (clip, frame) in enumerate(faces, start=1):
        face = FaceFrames(clip, FACE_SIZE)[frame]
        digest = zlib.crc32(face.tobytes())
        for emotion in classes:
            key = (digest, emotion, seed, size, flow)
            if key not in _cache:
                if len(_cache) >= CACHE_LIMIT:
                    _cache.clear()
                _cache[key] = render_macro(face, emotion, (seed, digest, EMOTIONS.index(emotion)), size, flow)
            maps.append(_cache[key])
            targets.append(labels.index(emotion))
        progress(done / len(faces), f"macro samples on {done}/{len(faces)} training faces")
    if not maps:
        return np.zeros((0, 4, size, size), np.float32), np.zeros(0, np.int64)
    return np.stack(maps), np.asarray(targets, dtype=np.int64)
