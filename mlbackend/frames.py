"""Lazy frame access over the frame store, for ClipInput: frames are read when a plugin asks."""

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np


class StoredFrames:
    def __init__(self, path_for: Callable[[int], Path], count: int, cache_size: int = 64):
        self._path_for = path_for
        self._count = count
        self._read = lru_cache(maxsize=cache_size)(self._read_uncached)

    def __len__(self) -> int:
        return self._count

    def _read_uncached(self, index: int) -> np.ndarray:
        import cv2

        image = cv2.imread(str(self._path_for(index)), cv2.IMREAD_COLOR)
        if image is None:
            raise FileNotFoundError(f"frame {index} is missing from the frame store")
        return image

    def __getitem__(self, index: int) -> np.ndarray:
        if not 0 <= index < self._count:
            raise IndexError(f"frame {index} outside 0..{self._count - 1}")
        return self._read(index)
