"""Copying a clip's frames into a staging folder: JPEG byte for byte, other formats encoded once.

Each file's header is read before anything decodes it: its kind, and its size against the server's
limits; every frame of a clip must share the first frame's size.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from annotator.datasets.base import DatasetError, FrameFile
from annotator.datasets.imageheader import image_size


@dataclass(frozen=True)
class FrameLimits:
    max_width: int
    max_height: int
    max_file_bytes: int
    jpeg_quality: int


@dataclass(frozen=True)
class StagedFrames:
    count: int
    width: int
    height: int
    converted: int  # frames that were not JPEG and were encoded once


def _read_checked(frame: FrameFile, limits: FrameLimits, label: str) -> tuple[bytes, str, int, int]:
    size = frame.path.stat().st_size
    if size > limits.max_file_bytes:
        raise DatasetError(f"{label}: the file is {size} bytes, over this server's limit of {limits.max_file_bytes}.")
    data = frame.path.read_bytes()
    header = image_size(data)
    if header is None:
        raise DatasetError(f"{label}: not a JPEG, PNG or BMP image.")
    kind, width, height = header
    if width <= 0 or height <= 0 or width > limits.max_width or height > limits.max_height:
        raise DatasetError(f"{label}: {width}x{height} pixels, over this server's limit of "
                           f"{limits.max_width}x{limits.max_height}.")
    return data, kind, width, height


def _as_jpeg(data: bytes, quality: int, label: str) -> bytes:
    import cv2
    import numpy as np

    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise DatasetError(f"{label}: the image cannot be decoded.")
    ok, encoded = cv2.imencode(".jpg", image, [int(cv2.IMWRITE_JPEG_QUALITY), int(quality)])
    if not ok:
        raise DatasetError(f"{label}: the image cannot be encoded as JPEG.")
    return encoded.tobytes()


def stage_frames(frames: list[FrameFile], dest: Path | None, *, limits: FrameLimits, root: Path,
                 tick: Callable[[], None] = lambda: None) -> StagedFrames:
    """Check every frame; with dest, write them as dest/000000.jpg... (frame id order). dest None: check only."""
    if dest is not None:
        dest.mkdir(parents=True)
    first_size = None
    converted = 0
    for frame_id, frame in enumerate(frames):
        label = str(frame.path.relative_to(root))
        data, kind, width, height = _read_checked(frame, limits, label)
        if first_size is None:
            first_size = (width, height)
        elif (width, height) != first_size:
            raise DatasetError(f"{label}: {width}x{height} pixels, but the clip's first frame is "
                               f"{first_size[0]}x{first_size[1]}; all frames of a clip must share one size.")
        if dest is not None:
            if kind != "jpeg":
                data = _as_jpeg(data, limits.jpeg_quality, label)
                converted += 1
            (dest / f"{frame_id:06d}.jpg").write_bytes(data)
        tick()
    return StagedFrames(count=len(frames), width=first_size[0], height=first_size[1], converted=converted)
