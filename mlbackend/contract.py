"""The plugin contract: plain dataclasses in, versioned predictions out. No Django here.

A plugin sees frames, fps, aligned faces, landmarks, the subject's pseudonym and, at
prediction time, only the *timing* of the segments to recognise (`ClipInput.segments`):
never an emotion or AU label of a clip it predicts. Labels reach a plugin only through
`fit(train=...)`, and the shared evaluator builds `train` from other subjects alone.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol

import numpy as np

SPOTTING = "spotting"
EMOTION = "emotion"
AUS = "aus"
CAPABILITIES = frozenset({SPOTTING, EMOTION, AUS})
# What a plugin can take in (Plugin.inputs): clips of frames, precomputed per-sample maps (ClipInput.maps),
# or single apex images (a one-frame ClipInput). The job service refuses a plugin whose inputs miss a
# project's kind of sample before anything is queued.
CLIPS = "clips"
MAPS = "maps"
APEX = "apex"
INPUT_KINDS = frozenset({CLIPS, MAPS, APEX})

Progress = Callable[[float, str], None]


class FrameSource(Protocol):
    """Lazy, integer-indexed frames: source[i] is frame i as an HxWx3 uint8 BGR array."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> np.ndarray: ...


class ArrayFrames:
    """A FrameSource over frames already in memory (synthetic clips, tests)."""

    def __init__(self, frames: Sequence[np.ndarray] | np.ndarray):
        self._frames = frames

    def __len__(self) -> int:
        return len(self._frames)

    def __getitem__(self, index: int) -> np.ndarray:
        if not 0 <= index < len(self._frames):
            raise IndexError(f"frame {index} outside 0..{len(self._frames) - 1}")
        return self._frames[index]


@dataclass(frozen=True)
class AU:
    number: int
    side: str = "both"  # "L", "R" or "both"
    intensity: str | None = None  # "A".."E" or None


@dataclass(frozen=True)
class Segment:
    """Where a movement is, without what it is: onset <= apex <= offset, inclusive frame ids."""

    onset: int
    apex: int | None
    offset: int


@dataclass(frozen=True)
class Event:
    """A coded movement: timing plus labels."""

    onset: int
    apex: int | None
    offset: int
    kind: str = "micro"
    emotion: str = ""
    aus: tuple[AU, ...] = ()

    @property
    def segment(self) -> Segment:
        return Segment(self.onset, self.apex, self.offset)


@dataclass(frozen=True, eq=False)
class ClipInput:
    clip_id: int | str
    subject: str
    dataset: str
    fps: float
    n_frames: int
    frames: FrameSource
    faces: FrameSource | None = None  # aligned face crops, one per frame
    landmarks: np.ndarray | None = None  # (n_frames, 468, 2), NaN where no face was found
    segments: tuple[Segment, ...] = ()  # timings to recognise; empty: spot them
    # A precomputed map sample: (3, H, W) float32 (u, v, strain as the image's R, G, B scaled to 0..1), the
    # flow-map network's input given instead of computed; frames then hold the map image as frame 0.
    maps: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class LabeledClip:
    clip: ClipInput
    events: tuple[Event, ...]


@dataclass(frozen=True)
class PredictedEvent:
    onset: int
    apex: int | None
    offset: int
    kind: str = "micro"
    score: float = 0.0
    emotion_probs: dict[str, float] = field(default_factory=dict)
    au_probs: dict[int, float] = field(default_factory=dict)

    @property
    def emotion(self) -> str:
        return max(self.emotion_probs, key=self.emotion_probs.get) if self.emotion_probs else ""


@dataclass(frozen=True)
class ClipPrediction:
    """For recognition: one event per input segment, in order. For spotting: the events found."""

    clip_id: int | str
    events: tuple[PredictedEvent, ...]
    score: float
    model_version: str


class PluginError(Exception):
    """A plugin is misdeclared or misconfigured; the message says how to fix it."""


class Plugin(ABC):
    name: ClassVar[str]
    version: ClassVar[str]
    capabilities: ClassVar[frozenset[str]]
    description: ClassVar[str] = ""
    # Modules the plugin imports lazily; the registry checks they can be found at start.
    requires: ClassVar[tuple[str, ...]] = ()
    # Kinds of sample the plugin takes (CLIPS, MAPS, APEX); most need clips of frames.
    inputs: ClassVar[frozenset[str]] = frozenset({CLIPS})

    def __init__(self, *, labels: Sequence[str] = (), aus: Sequence[int] = (), params: dict | None = None):
        self.labels = tuple(labels)
        self.aus = tuple(aus)
        self.params = dict(params or {})
        self.model_version = f"{self.name}-{self.version}+untrained"

    @abstractmethod
    def fit(
        self, train: Sequence[LabeledClip], *, workdir: Path, progress: Progress, device: str, seed: int,
    ) -> Path:
        """Train on `train` alone; write one checkpoint under `workdir` and return its path."""

    @abstractmethod
    def load(self, checkpoint: Path, *, device: str) -> None:
        """Load a checkpoint written by fit (torch.load(weights_only=True) or safetensors; never pickle)."""

    @abstractmethod
    def predict(self, clips: Sequence[ClipInput]) -> list[ClipPrediction]:
        """One ClipPrediction per clip, stamped with self.model_version."""
