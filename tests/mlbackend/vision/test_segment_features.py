"""mlbackend.vision.segment_features.describe_segments: one row per segment, the clip's faces, progress."""

import numpy as np

from mlbackend.contract import ArrayFrames, ClipInput, Segment
from mlbackend.sdk.vision import describe_segments


def clip(clip_id: str, level: int) -> ClipInput:
    frames = ArrayFrames([np.full((12, 12), level + i, np.uint8) for i in range(5)])
    return ClipInput(clip_id=clip_id, subject="s", dataset="toy", fps=100.0, n_frames=5, frames=frames, faces=frames)


def test_one_row_per_segment_from_its_own_clips_faces():
    first, second = clip("a", 10), clip("b", 100)
    items = [(first, Segment(0, 1, 2)), (first, Segment(3, None, 4)), (second, Segment(1, 2, 4))]
    calls = []
    rows = describe_segments(items, 8, lambda faces, segment: np.array([faces[segment.onset][0, 0], faces.size]),
                             lambda fraction, message: calls.append(fraction))
    assert rows.tolist() == [[10, 8], [13, 8], [101, 8]]  # onset grey level, the faces resized to 8 px
    assert calls == [1.0]
