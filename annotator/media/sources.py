"""Frame sources: a video container, a folder of images, or one still image.

Each source yields (frame id, BGR uint8 array) with ids 0..n-1 in decoder order: the
frame id a coder sees is the decoder's frame index, nothing else.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from annotator.media.errors import IngestError

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".bmp"}
VIDEO_EXTENSIONS = {".mp4", ".avi", ".mov", ".mkv", ".m4v", ".webm", ".mpg", ".mpeg", ".wmv", ".mts"}


@dataclass(frozen=True)
class SourceInfo:
    kind: str
    fps: float | None
    container_frame_count: int | None
    width: int
    height: int
    codec: str


@dataclass(frozen=True)
class Limits:
    max_width: int
    max_height: int
    max_frames: int


def natural_key(name: str) -> list:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def list_folder_images(folder: Path) -> list[Path]:
    try:
        entries = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS]
    except OSError as exc:
        raise IngestError(f"The frame folder cannot be read: {exc.strerror or exc}.") from exc
    if not entries:
        raise IngestError("The frame folder holds no .jpg, .png or .bmp images.")
    return sorted(entries, key=lambda p: natural_key(p.name))


def source_kind(path: Path) -> str:
    if path.is_dir():
        return "frames"
    if path.suffix.lower() in IMAGE_EXTENSIONS:
        return "image"
    return "video"


class VideoSource:
    kind = "video"

    def __init__(self, path: Path):
        import av

        self.path = path
        try:
            self.container = av.open(str(path), metadata_errors="ignore")
        except (av.FFmpegError, OSError, UnicodeDecodeError) as exc:
            raise IngestError(f"This file is not a video FFmpeg can read ({type(exc).__name__}).") from exc
        if not self.container.streams.video:
            self.container.close()
            raise IngestError("The file has no video stream.")
        self.stream = self.container.streams.video[0]
        # Frame threading decodes in parallel yet still delivers frames in presentation order.
        self.stream.thread_type = "AUTO"

    def info(self) -> SourceInfo:
        rate = self.stream.average_rate or self.stream.guessed_rate
        ctx = self.stream.codec_context
        return SourceInfo(
            kind=self.kind,
            fps=float(rate) if rate else None,
            container_frame_count=int(self.stream.frames) or None,
            width=int(ctx.width or 0),
            height=int(ctx.height or 0),
            codec=ctx.name or "",
        )

    def frames(self) -> Iterator[tuple[int, np.ndarray]]:
        import av
        from av.video.reformatter import VideoReformatter

        # One reformatter for the whole clip: frame.to_ndarray(format="bgr24") builds a fresh swscale context
        # (and its slice threads) for every frame, which cost more than the decode itself. Same conversion,
        # same pixels, byte for byte.
        reformatter = VideoReformatter()
        index = 0
        try:
            for frame in self.container.decode(self.stream):
                yield index, reformatter.reformat(frame, format="bgr24").to_ndarray()
                index += 1
        except av.FFmpegError as exc:
            raise IngestError(
                f"Decoding stopped at frame {index}: the file looks truncated or damaged ({type(exc).__name__})."
            ) from exc

    def close(self) -> None:
        self.container.close()


class ImageSequenceSource:
    def __init__(self, paths: list[Path], kind: str):
        self.paths = paths
        self.kind = kind
        first = read_image(paths[0])
        self.shape = first.shape

    def info(self) -> SourceInfo:
        return SourceInfo(
            kind=self.kind, fps=None, container_frame_count=len(self.paths),
            width=self.shape[1], height=self.shape[0], codec="image",
        )

    def frames(self) -> Iterator[tuple[int, np.ndarray]]:
        for index, path in enumerate(self.paths):
            image = read_image(path)
            if image.shape != self.shape:
                raise IngestError(
                    f"Frame {index} is {image.shape[1]}x{image.shape[0]} but the first frame is "
                    f"{self.shape[1]}x{self.shape[0]}: all frames of a clip must share one size."
                )
            yield index, image

    def close(self) -> None:
        pass


def read_image(path: Path) -> np.ndarray:
    import cv2

    data = np.fromfile(str(path), dtype=np.uint8) if path.is_file() else None
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data is not None and data.size else None
    if image is None:
        raise IngestError(f"Image {path.name!r} cannot be read as JPEG, PNG or BMP.")
    return image


def open_source(path: Path):
    if not path.exists():
        raise IngestError("The source file or folder no longer exists.")
    kind = source_kind(path)
    if kind == "frames":
        return ImageSequenceSource(list_folder_images(path), "frames")
    if kind == "image":
        return ImageSequenceSource([path], "image")
    if path.stat().st_size == 0:
        raise IngestError("The file is empty (0 bytes).")
    return VideoSource(path)


def check_limits(info: SourceInfo, limits: Limits) -> None:
    if info.width > limits.max_width or info.height > limits.max_height:
        raise IngestError(
            f"Resolution {info.width}x{info.height} is over this server's limit of "
            f"{limits.max_width}x{limits.max_height}."
        )
    if info.container_frame_count and info.container_frame_count > limits.max_frames:
        raise IngestError(
            f"The clip has {info.container_frame_count} frames, over this server's limit of {limits.max_frames}."
        )
