"""Copies sources into the clip's own folder under names built from integers, never from user input."""

import hashlib
import shutil
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

from annotator.media.framestore import FrameStore
from annotator.media.errors import IngestError
from annotator.media.sources import IMAGE_EXTENSIONS, natural_key

CHUNK = 1 << 20
# A stored source's name is the server's choice: the uploader's extension could make FFmpeg pick a playlist
# demuxer (.m3u8) or make any other reader guess; content decides, through the allow-lists in media.sources.
SOURCE_EXTENSION = ".src"


def frame_extension(name: str) -> str:
    """A frame folder's files keep one of the image extensions the folder reader lists, and no other."""
    suffix = Path(name.replace("\\", "/")).suffix.lower()
    if suffix not in IMAGE_EXTENSIONS:
        raise IngestError(f"A frame folder takes only .jpg, .png or .bmp files, not {display_name(name)!r}.")
    return suffix


def display_name(name: str) -> str:
    """A file name as a label: no directories, no control characters, bounded length."""
    base = name.replace("\\", "/").rstrip("/").split("/")[-1]
    cleaned = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    return cleaned.strip()[:200] or "unnamed"


def _copy_stream(reader: BinaryIO, target: Path, digest) -> None:
    with open(target, "wb") as out:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)


def store_file(*, clip_id: int, kind: str, reader: BinaryIO) -> str:
    store = FrameStore(settings.MEDIA_ROOT, clip_id)
    store.source_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    _copy_stream(reader, store.source_dir / f"{kind}{SOURCE_EXTENSION}", digest)
    return digest.hexdigest()


def store_frame_files(*, clip_id: int, items: Iterable[tuple[str, BinaryIO]]) -> str:
    """Frames are stored as 000000.ext, 000001.ext... in natural order of their original names."""
    folder = FrameStore(settings.MEDIA_ROOT, clip_id).source_dir / "frames"
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    for index, (name, reader) in enumerate(sorted(items, key=lambda item: natural_key(display_name(item[0])))):
        _copy_stream(reader, folder / f"{index:06d}{frame_extension(name)}", digest)
    return digest.hexdigest()


def clip_source_path(clip) -> Path:
    store = FrameStore(settings.MEDIA_ROOT, clip.pk)
    if clip.frame_numbers is not None:  # imported from a dataset: the stored frames are the source
        return store.frames_dir
    source_dir = store.source_dir
    if clip.source_kind == "frames":
        return source_dir / "frames"
    prefix = "image" if clip.source_kind == "image" else "video"
    matches = sorted(source_dir.glob(f"{prefix}*")) if source_dir.exists() else []
    return matches[0] if matches else source_dir / prefix


def clip_files_delete(clip_id: int) -> None:
    shutil.rmtree(FrameStore(settings.MEDIA_ROOT, clip_id).root, ignore_errors=True)
