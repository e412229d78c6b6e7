import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from mlbackend.vision import FLOW_METHODS, dense_flow, register_flow_method, to_grey
from tests.plugins.clipfactory import texture

REPO = Path(__file__).resolve().parents[3]


def shifted_pair(dx: float, dy: float):
    import cv2

    base = texture(7)
    gy, gx = np.mgrid[0:128, 0:128].astype(np.float32)
    moved = cv2.remap(base, gx - dx, gy - dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    return base.astype(np.uint8), moved.astype(np.uint8)


def test_importing_vision_loads_neither_cv2_nor_torch():
    code = ("import mlbackend.vision, sys; "
            "assert 'cv2' not in sys.modules and 'torch' not in sys.modules, 'eager import'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


@pytest.mark.parametrize("method", ["dis", "farneback", "tvl1"])
def test_dense_flow_recovers_a_known_shift(method):
    prev, moved = shifted_pair(1.5, -1.0)
    flow = dense_flow(prev, moved, method)
    assert flow.shape == (128, 128, 2) and flow.dtype == np.float32
    inner = flow[16:-16, 16:-16].reshape(-1, 2)
    assert np.median(inner, axis=0) == pytest.approx([1.5, -1.0], abs=0.15)


def test_dense_flow_accepts_colour_frames_and_is_deterministic():
    prev, moved = shifted_pair(1.0, 0.0)
    bgr = [np.repeat(image[:, :, None], 3, axis=2) for image in (prev, moved)]
    assert np.array_equal(dense_flow(*bgr), dense_flow(prev, moved))
    assert np.array_equal(dense_flow(prev, moved), dense_flow(prev, moved))


def test_each_thread_gets_its_own_flow_object_with_the_same_result():
    prev, moved = shifted_pair(0.0, 2.0)
    expected = dense_flow(prev, moved)
    results = []
    threads = [threading.Thread(target=lambda: results.append(dense_flow(prev, moved))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 3 and all(np.array_equal(r, expected) for r in results)


def test_unknown_method_and_size_mismatch_are_refused():
    prev, moved = shifted_pair(1.0, 0.0)
    with pytest.raises(ValueError, match="Unknown optical flow method 'nope'"):
        dense_flow(prev, moved, "nope")
    with pytest.raises(ValueError, match="differ in size"):
        dense_flow(prev, moved[:64])


def test_a_new_method_can_be_registered():
    @register_flow_method("zero-test")
    def zero(prev, next_):
        return np.zeros((*prev.shape, 2), np.float64)

    try:
        prev, moved = shifted_pair(1.0, 0.0)
        flow = dense_flow(prev, moved, "zero-test")
        assert flow.dtype == np.float32 and not flow.any()
    finally:
        FLOW_METHODS.pop("zero-test")


def test_to_grey_variants():
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    bgr = np.repeat(grey[:, :, None], 3, axis=2)
    bgra = np.concatenate([bgr, np.full((3, 4, 1), 255, np.uint8)], axis=2)
    assert np.array_equal(to_grey(grey), grey)
    assert np.array_equal(to_grey(grey[:, :, None]), grey)
    assert np.array_equal(to_grey(bgr), grey)
    assert np.array_equal(to_grey(bgra), grey)
    assert np.array_equal(to_grey(grey / 255.0), grey)
    assert to_grey(bgr).flags.c_contiguous and to_grey(bgr).dtype == np.uint8
    with pytest.raises(ValueError):
        to_grey(np.zeros((3, 4, 2), np.uint8))
