"""Finding a dataset's frame folders without ever following a link out of the dataset root."""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

from annotator.datasets.base import ClipSource, DatasetError, DatasetFormat, FrameFile


def _walk(root: Path) -> Iterator[tuple[Path, list[str]]]:
    """(folder, file names) for root and every folder below it; a link anywhere is an error, not a skip."""
    pending = [root]
    while pending:
        folder = pending.pop()
        files, subfolders = [], []
        with os.scandir(folder) as entries:
            for entry in entries:  # d_type from the directory listing: no stat per frame file
                if entry.is_symlink():
                    raise DatasetError(f"The dataset holds a link ({Path(entry.path).relative_to(root)}); links are "
                                       "refused because they can point outside the dataset.")
                if entry.is_dir(follow_symlinks=False):
                    subfolders.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    files.append(entry.name)
        pending.extend(sorted(subfolders, reverse=True))
        yield folder, files


def scan_clips(fmt: DatasetFormat, root: Path, *, max_frames: int,
               flag: Callable[[str], None]) -> dict[tuple[str, str], ClipSource]:
    """Every folder whose files match the format's frame pattern and whose path names a clip."""
    root = Path(root)
    clips: dict[tuple[str, str], ClipSource] = {}
    for here, files in _walk(root):
        frames = []
        for name in files:
            number = fmt.frame_number(name)
            if number is not None:
                frames.append(FrameFile(number, here / name))
        if not frames:
            continue
        key = fmt.clip_key(here.relative_to(root).parts)
        if key is None:
            continue
        if key in clips:
            flag(f"clip {key[0]}/{key[1]} found twice: {clips[key].folder.relative_to(root)} is used, "
                 f"{here.relative_to(root)} ignored")
            continue
        frames.sort(key=lambda frame: frame.number)
        duplicates = len(frames) - len({frame.number for frame in frames})
        if duplicates:
            raise DatasetError(f"{here.relative_to(root)} holds {duplicates} frame file(s) with the same frame "
                               "number as another file.")
        if len(frames) > max_frames:
            raise DatasetError(f"{here.relative_to(root)} holds {len(frames)} frames, over this server's limit of "
                               f"{max_frames} per clip.")
        clips[key] = ClipSource(subject=key[0], name=key[1], folder=here, frames=frames)
    return clips
