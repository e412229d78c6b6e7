"""Dense optical flows cached per clip, on disk and in memory (docs/preprocessing.md).

Layout: root/<clip_key>/<method>/<size>/<i>-<j>.npy, one HxWx2 float16 array (u, v) per
frame pair, written atomically (a temporary file in the same folder, then os.replace), so a
reader never sees half a file and two writers of the same pair do not clash. Files are read
with allow_pickle=False. A small LRU keeps the latest flows in memory.

Flows are stored as float16 (about 3 significant digits: 1e-3 px at 1 px, 0.03 px at 50 px) and
every flow handed out, computed or loaded, is the float16 value as float32: a result does not
depend on whether it came from the cache.

Frames are turned grey (flow.to_grey) and resized to size x size (INTER_AREA when shrinking)
when they are not that size already; the flow is then `flow.dense_flow(..., method)`, so any
method registered with `register_flow_method` can be cached.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from mlbackend.vision.flow import FLOW_METHODS, dense_flow, to_grey

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def _safe(name: str, what: str) -> str:
    name = str(name)
    if not _SAFE.match(name) or ".." in name:
        raise ValueError(f"{what} {name!r} cannot name a folder: use letters, digits, '.', '_' and '-' only.")
    return name


def resize_grey(frame: np.ndarray, size: int) -> np.ndarray:
    """A frame as a size x size grey uint8 image."""
    grey = to_grey(frame)
    if grey.shape == (size, size):
        return grey
    import cv2

    shrinking = grey.shape[0] > size or grey.shape[1] > size
    return cv2.resize(grey, (size, size), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


class FlowCache:
    """get_or_compute(clip_key, i, j, method, size, frames) -> flow from frame i to frame j.

    frames: the clip's FrameSource (aligned faces, usually); it may be left out when the cache
    was given `frames_for` (clip_key -> FrameSource). max_items: flows kept in memory.
    """

    def __init__(self, root: str | os.PathLike, *, max_items: int = 256,
                 frames_for: Callable[[str], object] | None = None):
        self.root = Path(root)
        self.max_items = int(max_items)
        self.frames_for = frames_for
        self._memory: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.disk_hits = self.misses = 0

    def path(self, clip_key: str, i: int, j: int, method: str, size: int) -> Path:
        return (self.root / _safe(clip_key, "Clip key") / _safe(method, "Flow method") / str(int(size))
                / f"{int(i)}-{int(j)}.npy")

    def get_or_compute(self, clip_key: str, i: int, j: int, method: str = "dis", size: int = 128,
                       frames=None) -> np.ndarray:
        """The flow (size x size x 2 float32, u right, v down) from frame i to frame j of the clip."""
        if method not in FLOW_METHODS:
            raise ValueError(f"Unknown optical flow method {method!r}; choose from {sorted(FLOW_METHODS)}.")
        size = int(size)
        if size < 8:
            raise ValueError(f"Flow size must be at least 8 px, got {size}.")
        key = (str(clip_key), str(method), size, int(i), int(j))
        path = self.path(clip_key, i, j, method, size)
        with self._lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                self.hits += 1
                return self._memory[key].copy()
        flow = self._load(path, size)
        if flow is not None:
            self.disk_hits += 1
        else:
            flow = self._compute(clip_key, int(i), int(j), method, size, frames)
            self._save(path, flow)
            self.misses += 1
        flow = flow.astype(np.float32)
        flow.setflags(write=False)
        with self._lock:
            self._memory[key] = flow
            self._memory.move_to_end(key)
            while len(self._memory) > self.max_items:
                self._memory.popitem(last=False)
        return flow.copy()

    def clear_memory(self) -> None:
        with self._lock:
            self._memory.clear()

    def _compute(self, clip_key, i, j, method, size, frames) -> np.ndarray:
        if frames is None:
            if self.frames_for is None:
                raise ValueError(f"Flow {i}-{j} of {clip_key!r} is not cached: pass the clip's frames to compute it.")
            frames = self.frames_for(clip_key)
        for index in (i, j):
            if not 0 <= index < len(frames):
                raise IndexError(f"frame {index} outside 0..{len(frames) - 1} of clip {clip_key!r}")
        flow = dense_flow(resize_grey(frames[i], size), resize_grey(frames[j], size), method)
        return np.ascontiguousarray(flow, dtype=np.float16)

    @staticmethod
    def _load(path: Path, size: int) -> np.ndarray | None:
        try:
            flow = np.load(path, allow_pickle=False)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except (ValueError, OSError, EOFError):
            return None  # a damaged file: computed again and overwritten
        if flow.shape != (size, size, 2):
            return None
        return flow

    @staticmethod
    def _save(path: Path, flow: np.ndarray) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as file:
                np.save(file, np.asarray(flow, dtype=np.float16), allow_pickle=False)
            os.replace(temporary, path)
        except BaseException:
            try:
                os.unlink(temporary)
            except FileNotFoundError:
                pass
            raise
