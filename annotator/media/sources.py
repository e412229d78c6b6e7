"""Frame sources: a video container, a folder of images, or one still image.

Each source yields (frame id, BGR uint8 array) with ids 0..n-1 in decoder order: the
frame id a coder sees is the decoder's frame index, nothing else.

Every source is hostile until its header says otherwise. FFmpeg follows playlists (HLS, m3u),
concat lists and network protocols if it is allowed to, and would then read another project's
files: `open_video_container` is the one door to FFmpeg in this code base and lets only the
container formats below through, reading local files only. Images are opened by their header
first (Pillow reads only the header) so that a small file declaring a huge size is refused
before a single pixel is decoded.
"""

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from annotator.media.errors import IngestError

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".bmp"}
VIDEO_EXTENSIONS = {".mp4", ".avi", ".mov", ".mkv", ".m4v", ".webm", ".mpg", ".mpeg", ".wmv", ".mts"}
# FFmpeg demuxer names a video may be read with: the mp4/mov family, Matroska/WebM, AVI, MPEG-TS.
# Anything else (hls, concat, image2, ...) is refused before its header is read.
VIDEO_DEMUXERS = ("mov", "mp4", "m4a", "3gp", "3g2", "mj2", "matroska", "webm", "avi", "mpegts")
ACCEPTED_VIDEO = "accepted video formats: MP4/MOV, Matroska/WebM, AVI, MPEG-TS"
# Pillow format names a still or frame-folder image may have.
IMAGE_FORMATS = ("JPEG", "PNG", "BMP")
_FFMPEG_OPEN_OPTIONS = {
    "protocol_whitelist": "file",  # no http, no concat:, no subfile:, no pipe:
    "format_whitelist": ",".join(VIDEO_DEMUXERS),  # checked by FFmpeg before the demuxer reads the header
    "enable_drefs": "0",  # mov data references can name other files; never follow them
}


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
    # Total decoded pixels (width x height x frames) this clip may use; `pixel_budget` names whose budget it is.
    max_pixels: int | None = None
    pixel_budget: str = "this server's limit per clip"


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


def open_video_container(path: Path, *, max_frame_pixels: int = 4096 * 4096):
    """Open a local file with PyAV, only as one of VIDEO_DEMUXERS; raise IngestError for anything else.

    Every `av.open` of a source goes through here: the demuxer is checked twice, by FFmpeg's
    format_whitelist before any header is parsed, and again on the format it detected. The decoders
    (the probe's and the video streams') refuse frames of more than `max_frame_pixels`, so a lying
    header cannot make them allocate a larger frame.
    """
    import av

    bound = {"max_pixels": str(int(max_frame_pixels))}
    try:
        container = av.open(str(path), mode="r", options={**_FFMPEG_OPEN_OPTIONS, **bound}, metadata_errors="ignore")
    except av.ArgumentError as exc:  # EINVAL: FFmpeg detected a format that is not on the allow-list
        raise IngestError(
            f"This file is not a video in an accepted format; playlists, concat lists and streams are refused "
            f"({ACCEPTED_VIDEO})."
        ) from exc
    except (av.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise IngestError(
            f"This file is not a video FFmpeg can read ({type(exc).__name__}; {ACCEPTED_VIDEO})."
        ) from exc
    if not set(container.format.name.split(",")) & set(VIDEO_DEMUXERS):
        container.close()
        raise IngestError(
            f"This file is {container.format.name!r}, not a video in an accepted format ({ACCEPTED_VIDEO})."
        )
    for stream in container.streams.video:
        stream.codec_context.options = dict(bound)
    return container


def image_size(path: Path, limits: Limits) -> tuple[int, int]:
    """(width, height) from the image's header, within `limits`, without decoding it; IMAGE_FORMATS only."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # The resolution limit below is the one that counts; Pillow's warning for large images is noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path, formats=IMAGE_FORMATS) as image:
                width, height = image.size
    except Image.DecompressionBombError as exc:  # Pillow's own refusal, far above any sane limit
        raise IngestError(
            f"Image {path.name!r} is over this server's limit of {limits.max_width}x{limits.max_height} ({exc})"
        ) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise IngestError(f"Image {path.name!r} cannot be read as JPEG, PNG or BMP.") from exc
    check_resolution(width, height, limits)
    return width, height


class VideoSource:
    kind = "video"

    def __init__(self, path: Path, limits: Limits):
        self.path = path
        self.container = open_video_container(path, max_frame_pixels=limits.max_width * limits.max_height)
        if not self.container.streams.video:
            self.container.close()
            raise IngestError("The file has no video stream.")
        self.stream = self.container.streams.video[0]
        # Frame threading decodes in parallel yet still delivers frames in presentation order.
        self.stream.thread_type = "AUTO"
        self.truncated = False

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
        """Decode until the end or the first damaged packet; frames decoded before the damage are kept.

        Afterwards `truncated` says whether the file ended early: a decode error, or fewer packets
        than the container's index declares (a cut file often ends without any error).
        """
        import av
        from av.video.reformatter import VideoReformatter

        # One reformatter for the whole clip: frame.to_ndarray(format="bgr24") builds a fresh swscale context
        # (and its slice threads) for every frame, which cost more than the decode itself. Same conversion,
        # same pixels, byte for byte.
        reformatter = VideoReformatter()
        declared = int(self.stream.frames)
        index = packets = 0
        try:
            for packet in self.container.demux(self.stream):
                packets += 1 if packet.size else 0
                for frame in packet.decode():
                    yield index, reformatter.reformat(frame, format="bgr24").to_ndarray()
                    index += 1
        except av.FFmpegError as exc:
            if index == 0:
                raise IngestError(
                    f"Decoding stopped at frame 0: the file looks truncated or damaged ({type(exc).__name__})."
                ) from exc
            self.truncated = True
            return
        self.truncated = bool(declared) and packets < declared

    def close(self) -> None:
        self.container.close()


class ImageSequenceSource:
    """Stills: every image's header is read and checked before that image is decoded."""

    def __init__(self, paths: list[Path], kind: str, limits: Limits):
        self.paths = paths
        self.kind = kind
        self.limits = limits
        self.size = image_size(paths[0], limits)
        self.truncated = False

    def info(self) -> SourceInfo:
        return SourceInfo(
            kind=self.kind, fps=None, container_frame_count=len(self.paths),
            width=self.size[0], height=self.size[1], codec="image",
        )

    def frames(self) -> Iterator[tuple[int, np.ndarray]]:
        for index, path in enumerate(self.paths):
            width, height = image_size(path, self.limits)
            if (width, height) != self.size:
                raise IngestError(
                    f"Frame {index} is {width}x{height} but the first frame is "
                    f"{self.size[0]}x{self.size[1]}: all frames of a clip must share one size."
                )
            image = read_image(path)
            if image.shape[:2] != (height, width):
                raise IngestError(f"Image {path.name!r} decodes to another size than its header declares.")
            yield index, image

    def close(self) -> None:
        pass


def read_image(path: Path) -> np.ndarray:
    """Decode an image whose header has already been checked (see image_size)."""
    import cv2

    data = np.fromfile(str(path), dtype=np.uint8) if path.is_file() else None
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data is not None and data.size else None
    if image is None:
        raise IngestError(f"Image {path.name!r} cannot be read as JPEG, PNG or BMP.")
    return image


def open_source(path: Path, *, kind: str, limits: Limits):
    """A `kind` ("video", "image", "frames") source whose header is within `limits`; nothing is decoded yet.

    The kind comes from the clip, never from the stored file's name.
    """
    if not path.exists():
        raise IngestError("The source file or folder no longer exists.")
    if kind == "frames":
        return ImageSequenceSource(list_folder_images(path), "frames", limits)
    if kind == "image":
        return ImageSequenceSource([path], "image", limits)
    if path.stat().st_size == 0:
        raise IngestError("The file is empty (0 bytes).")
    source = VideoSource(path, limits)
    try:
        check_limits(source.info(), limits)
    except IngestError:
        source.close()
        raise
    return source


def check_resolution(width: int, height: int, limits: Limits) -> None:
    if width > limits.max_width or height > limits.max_height:
        raise IngestError(
            f"Resolution {width}x{height} is over this server's limit of {limits.max_width}x{limits.max_height}."
        )


def check_limits(info: SourceInfo, limits: Limits) -> None:
    check_resolution(info.width, info.height, limits)
    if info.container_frame_count and info.container_frame_count > limits.max_frames:
        raise IngestError(
            f"The clip has {info.container_frame_count} frames, over this server's limit of {limits.max_frames}."
        )
    if info.container_frame_count and limits.max_pixels is not None:
        check_pixels(info.width * info.height * info.container_frame_count, limits)


def check_pixels(total: int, limits: Limits) -> None:
    if limits.max_pixels is not None and total > limits.max_pixels:
        raise IngestError(
            f"The clip decodes to more than {limits.max_pixels:,} pixels (width x height x frames), "
            f"{limits.pixel_budget}."
        )
