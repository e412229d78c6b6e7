"""The input of a sequence network: a segment as a fixed number of face frames and the flow between them.

The sequence networks (plugins dtscnn, elrcn, tlcnn) read a segment as a whole, not one onset -> apex
flow: the grey 128 px faces from onset to offset (mlbackend.vision.FaceFrames: aligned crops when the
clip has them) resampled to `length` frames by the temporal interpolation model
(mlbackend.vision.temporal, TIM: first and last frames kept, every clip the same length whatever its
frame rate and duration); then either the frames themselves (`grey_sequence`) or the optical flow
from each resampled frame to the next (`flow_sequence`: head translation undone and the median flow
removed, as for the flow maps) with channels drawn from

    u, v        the flow in pixels of the 128 px face (right, down),
    magnitude   sqrt(u^2 + v^2),
    strain      the optical strain of the flow (mlbackend.vision.strain),
    grey        the frame the flow arrives at, grey / 255,

every channel area-averaged to size x size. A segment of one frame gives `length` copies of it and
zero flow. numpy at import; OpenCV inside the functions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mlbackend.contract import Segment
from mlbackend.nets.maps import resize_channels
from mlbackend.vision import FaceFrames, face_flow, normalise_length
from mlbackend.vision.strain import optical_strain

FACE_SIZE = 128
FLOW_CHANNELS = ("u", "v", "magnitude", "strain", "grey")


def segment_frames(faces: FaceFrames, segment: Segment, length: int) -> np.ndarray:
    """(length, 128, 128) uint8: the faces from onset to offset, resampled by TIM."""
    onset, offset = faces.clamp(segment.onset), faces.clamp(segment.offset)
    frames = np.stack([faces[i] for i in range(onset, max(onset, offset) + 1)])
    return normalise_length(frames, length, "tim")


def grey_sequence(frames: np.ndarray, size: int) -> np.ndarray:
    """(n, 1, size, size) float32 grey / 255 of (n, H, W) uint8 frames."""
    return np.stack([resize_channels([frame], size) for frame in frames]) / np.float32(255)


def flow_sequence(
    frames: np.ndarray, channels: Sequence[str], size: int, *, method: str, stabilise: bool = True,
    remove_global: bool = True,
) -> np.ndarray:
    """(n - 1, len(channels), size, size) float32: per pair of consecutive frames of (n, H, W) uint8 frames."""
    unknown = set(channels) - set(FLOW_CHANNELS)
    if unknown:
        raise ValueError(f"unknown channels {sorted(unknown)}; choose from {FLOW_CHANNELS}")
    steps = []
    for previous, frame in zip(frames[:-1], frames[1:]):
        flow = face_flow(previous, frame, method, stabilise=stabilise, remove_global=remove_global)
        steps.append(resize_channels([_channel(name, flow, frame) for name in channels], size))
    return np.stack(steps) if steps else np.zeros((0, len(channels), size, size), np.float32)


def _channel(name: str, flow: np.ndarray, frame: np.ndarray) -> np.ndarray:
    if name == "u":
        return flow[:, :, 0]
    if name == "v":
        return flow[:, :, 1]
    if name == "magnitude":
        return np.hypot(flow[:, :, 0], flow[:, :, 1])
    if name == "strain":
        return optical_strain(flow)
    return frame.astype(np.float32) / 255.0
