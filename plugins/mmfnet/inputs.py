"""mmfnet's input maps per sample: clips of frames give both streams, a map set the flow stream only.

A clip (per segment; a missing apex means the middle frame), on the grey 128 px faces at onset and
apex (FaceFrames) with the apex face shifted back by the head's translation (phase correlation):
u, v, magnitude of the DIS flow onset -> apex minus its median, and (apex - onset) / 255, each
area-averaged to `size` x `size`: (4, size, size).

A precomputed map sample (ClipInput.maps: u, v, strain as the image's R, G, B, no frames): the three
maps resized to `size` x `size`: (3, size, size). Without onset and apex frames there is no frame
difference; the flow stream reads u, v, strain where clips give it u, v, magnitude.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mlbackend.sdk import CLIPS, MAPS, ClipInput, PluginError, Progress, Segment

CHANNELS = {CLIPS: 4, MAPS: 3}  # u, v, magnitude | difference; u, v, strain
FLOW_ONLY = "map samples (u, v, strain, no frames): flow stream only, no frame-difference stream"


def sample_kind(clips: Sequence[ClipInput]) -> str:
    """MAPS when every sample is a precomputed map, CLIPS when none is; a mixture is refused."""
    maps = sum(clip.maps is not None for clip in clips)
    if maps and maps < len(clips):
        raise PluginError(f"mmfnet: {maps} of these {len(clips)} samples are precomputed flow maps and the others "
                          "clips of frames; it trains and predicts on one kind at a time (a map model has no "
                          "frame-difference stream).")
    return MAPS if maps else CLIPS


def segment_maps(faces, segment: Segment, size: int, flow_method: str) -> np.ndarray:
    """(4, size, size) float32: u, v, magnitude of the onset -> apex flow, and the apex - onset difference."""
    import cv2

    from mlbackend.sdk.vision import dense_flow, global_shift

    apex = segment.apex if segment.apex is not None else (segment.onset + segment.offset) // 2
    onset_face, apex_face = faces[faces.clamp(segment.onset)], faces[faces.clamp(apex)]
    dx, dy = global_shift(onset_face, apex_face, "phase")
    back = np.float32([[1, 0, -dx], [0, 1, -dy]])
    apex_face = cv2.warpAffine(apex_face, back, apex_face.shape[::-1], flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)
    flow = dense_flow(onset_face, apex_face, flow_method)
    flow = flow - np.median(flow.reshape(-1, 2), axis=0)
    magnitude = np.sqrt((flow ** 2).sum(axis=2))
    difference = (apex_face.astype(np.float32) - onset_face.astype(np.float32)) / 255.0
    channels = (flow[:, :, 0], flow[:, :, 1], magnitude, difference)
    return np.stack([cv2.resize(np.ascontiguousarray(c, dtype=np.float32), (size, size), interpolation=cv2.INTER_AREA)
                     for c in channels]).astype(np.float32)


def given_maps(clip: ClipInput, size: int) -> np.ndarray:
    """(3, size, size) float32: a map sample's u, v, strain."""
    from mlbackend.sdk.nets import given_maps as resized

    try:
        return resized(clip.maps, size)
    except ValueError as exc:
        raise PluginError(f"mmfnet: sample {clip.clip_id}: {exc}.") from None


def sample_maps(items: Sequence[tuple[ClipInput, Segment]], kind: str, size: int, flow_method: str,
                progress: Progress | None = None) -> np.ndarray:
    """(n, CHANNELS[kind], size, size) float32 maps of (clip, segment) pairs of one kind."""
    from mlbackend.sdk.vision import FaceFrames

    out, faces, faces_clip = [], None, None
    for done, (clip, segment) in enumerate(items, start=1):
        if kind == MAPS:
            out.append(given_maps(clip, size))
        else:
            if faces_clip is not clip:
                faces, faces_clip = FaceFrames(clip, 128), clip  # one clip's frames at a time
            out.append(segment_maps(faces, segment, size, flow_method))
        if progress is not None and (done % 10 == 0 or done == len(items)):
            progress(done / len(items), f"maps {done}/{len(items)}")
    return np.stack(out) if out else np.zeros((0, CHANNELS[kind], size, size), np.float32)
