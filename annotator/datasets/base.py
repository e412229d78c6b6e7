"""The small interface every dataset format implements, and the registry that names them.

A format answers two questions about an unpacked dataset folder: which frame folders are
clips (subject, clip name, frame files with the dataset's own frame numbers), and which rows
its coding sheet holds (raw cell values). Everything else (frame mapping, flags, AU parsing,
writing) is shared and lives in annotator.services.datasets.
"""

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


class DatasetError(Exception):
    """The dataset cannot be imported at all (layout, limits, hostile input); the message says why."""


@dataclass(frozen=True)
class FrameFile:
    number: int  # the dataset's own frame number, read from the file name
    path: Path


@dataclass
class ClipSource:
    subject: str  # the dataset's subject id, normalised (e.g. "sub01", "006", "s01")
    name: str  # the clip name, unique within the subject
    folder: Path
    frames: list[FrameFile] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return self.subject, self.name


@dataclass
class SheetRow:
    """One coding-sheet row as the dataset wrote it; `line` is the sheet's 1-based row number."""

    line: int
    subject: str
    clip: str
    onset: object
    apex: object
    offset: object
    aus: object = ""
    emotion: object = ""
    kind: str = "micro"
    notes: list[str] = field(default_factory=list)  # remarks that flag the row (a convention applied)
    source: str = ""  # where the row came from (sheet, folder), for the report
    frame_shift: int = 0  # added to every sheet frame number before looking up the frame file


class DatasetFormat(ABC):
    """One dataset layout. Subclasses set the class attributes and implement clip_key and rows."""

    name: str  # registry key and command-line value, e.g. "casme2"
    label: str  # Clip.dataset value, e.g. "CASME II"
    fps: float
    frame_pattern: re.Pattern  # matches a frame file name; group 1 is the frame number
    has_apex: bool = True
    notes: tuple[str, ...] = ()  # facts about the dataset shown once in the report

    def frame_number(self, file_name: str) -> int | None:
        match = self.frame_pattern.match(file_name)
        return int(match.group(1)) if match else None

    @abstractmethod
    def clip_key(self, parts: tuple[str, ...]) -> tuple[str, str] | None:
        """(subject, clip name) for a folder of frames, from its path parts below the root; None: not a clip."""

    @abstractmethod
    def rows(self, root: Path, clips: dict[tuple[str, str], ClipSource]) -> Iterator[SheetRow]:
        """The coding rows, raw; may use the clips found (SMIC-HS has no sheet, its folders are the labels)."""


FORMATS: dict[str, DatasetFormat] = {}


def register(cls: type[DatasetFormat]) -> type[DatasetFormat]:
    if cls.name in FORMATS:
        raise ValueError(f"Dataset format {cls.name!r} is registered twice.")
    FORMATS[cls.name] = cls()
    return cls


def get_format(name: str) -> DatasetFormat:
    try:
        return FORMATS[name]
    except KeyError:
        raise DatasetError(f"Unknown dataset format {name!r}; choose one of {', '.join(sorted(FORMATS))}.") from None
