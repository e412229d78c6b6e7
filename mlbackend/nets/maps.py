"""The input maps of a segment: optical flow onset -> apex on the face, its strain, at 28 x 28.

STSTNet takes (u, v, strain), OFF-ApexNet (u, v). The flow is computed once on the grey
128 x 128 face (mlbackend.vision.FaceFrames: aligned crops when the clip has them, else a
fixed landmark box, else the whole frame) by TV-L1 (the published pipelines), with the head's
translation taken out first (`stabilise`, phase correlation) and the median flow subtracted
(`remove_global`): what an aligned crop gives the published pipelines. Strain is computed at
full resolution (mlbackend.vision.strain), then each channel is area-averaged to 28 x 28.
Values stay in pixels of the 128 px face; the plugins standardise each channel with the
training set's mean and standard deviation.

A missing apex means the middle frame of the segment. numpy only at import (cv2 inside).
"""

from __future__ import annotations

import numpy as np

from mlbackend.contract import Segment
from mlbackend.vision import FaceFrames, face_flow
from mlbackend.vision.strain import optical_strain

FACE_SIZE = 128
MAP_SIZE = 28


def apex_of(segment: Segment) -> int:
    return segment.apex if segment.apex is not None else (segment.onset + segment.offset) // 2


def flow_maps(
    faces: FaceFrames, segment: Segment, *, method: str = "tvl1", stabilise: bool = True,
    remove_global: bool = True, size: int = MAP_SIZE,
) -> np.ndarray:
    """(3, size, size) float32: u, v and strain of the flow from the onset face to the apex face."""
    onset, apex = faces.clamp(segment.onset), faces.clamp(apex_of(segment))
    flow = face_flow(faces[onset], faces[apex], method, stabilise=stabilise, remove_global=remove_global)
    return resize_channels((flow[:, :, 0], flow[:, :, 1], optical_strain(flow)), size)


def resize_channels(channels, size: int) -> np.ndarray:
    """(len(channels), size, size) float32 of 2-D arrays of one shape: area-averaged when larger, bilinear when
    smaller."""
    import cv2

    channels = [np.ascontiguousarray(c, dtype=np.float32) for c in channels]
    if channels[0].shape == (size, size):
        return np.stack(channels)
    interpolation = cv2.INTER_AREA if channels[0].shape[0] > size else cv2.INTER_LINEAR
    return np.stack([cv2.resize(c, (size, size), interpolation=interpolation) for c in channels])


def given_maps(maps: np.ndarray, size: int = MAP_SIZE) -> np.ndarray:
    """(3, size, size) float32 of a precomputed map sample (ClipInput.maps, (3, H, W)), resized by area when larger."""
    maps = np.asarray(maps, dtype=np.float32)
    if maps.ndim != 3 or maps.shape[0] != 3:
        raise ValueError(f"a map sample is (3, H, W); this one is {maps.shape}")
    return resize_channels(maps, size)
