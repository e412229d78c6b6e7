import threading

import numpy as np
import pytest

from mlbackend.contract import ArrayFrames
from mlbackend.vision.flow import FLOW_METHODS, register_flow_method
from mlbackend.vision.flow_cache import FlowCache


@pytest.fixture
def counting_method():
    """A registered flow method that counts its calls and returns a known field."""
    calls = []
    lock = threading.Lock()

    def counting(prev, nxt):
        with lock:
            calls.append(prev.shape)
        flow = np.zeros(prev.shape + (2,), np.float32)
        flow[..., 0] = 0.123456
        flow[..., 1] = (nxt.astype(np.float32) - prev.astype(np.float32)) / 7.0
        return flow

    register_flow_method("counting-test")(counting)
    yield calls
    FLOW_METHODS.pop("counting-test", None)


@pytest.fixture
def frames():
    rng = np.random.default_rng(0)
    return ArrayFrames([rng.integers(0, 255, size=(48, 64, 3), dtype=np.uint8) for _ in range(4)])


def test_second_call_does_not_recompute(tmp_path, counting_method, frames):
    cache = FlowCache(tmp_path)
    first = cache.get_or_compute("clip-1", 0, 2, "counting-test", 32, frames)
    assert first.shape == (32, 32, 2) and first.dtype == np.float32
    assert counting_method == [(32, 32)]
    path = tmp_path / "clip-1" / "counting-test" / "32" / "0-2.npy"
    stored = np.load(path, allow_pickle=False)
    assert stored.dtype == np.float16 and stored.shape == (32, 32, 2)
    assert not [p for p in path.parent.iterdir() if p.suffix != ".npy"]  # no temporary left behind

    again = cache.get_or_compute("clip-1", 0, 2, "counting-test", 32, frames)  # memory
    assert len(counting_method) == 1 and np.array_equal(first, again) and cache.hits == 1

    fresh = FlowCache(tmp_path)  # another process: from disk, no frames needed
    from_disk = fresh.get_or_compute("clip-1", 0, 2, "counting-test", 32)
    assert len(counting_method) == 1 and fresh.disk_hits == 1
    assert np.array_equal(first, from_disk)  # a flow does not depend on where it came from
    assert first[0, 0, 0] == np.float32(np.float16(0.123456))

    cache.get_or_compute("clip-1", 0, 2, "counting-test", 16, frames)  # another size: another entry
    cache.get_or_compute("clip-1", 2, 0, "counting-test", 32, frames)  # the reverse pair too
    assert len(counting_method) == 3


def test_memory_is_an_lru_and_returned_arrays_are_private(tmp_path, counting_method, frames):
    cache = FlowCache(tmp_path, max_items=2)
    a = cache.get_or_compute("c", 0, 1, "counting-test", 16, frames)
    a[:] = 99  # the caller's copy: the cache keeps its own
    cache.get_or_compute("c", 1, 2, "counting-test", 16, frames)
    cache.get_or_compute("c", 0, 1, "counting-test", 16, frames)  # refresh 0-1
    cache.get_or_compute("c", 2, 3, "counting-test", 16, frames)  # evicts 1-2
    assert cache.hits == 1 and len(counting_method) == 3
    assert cache.get_or_compute("c", 0, 1, "counting-test", 16)[0, 0, 0] != 99
    assert cache.hits == 2
    cache.get_or_compute("c", 1, 2, "counting-test", 16)  # from disk, not recomputed
    assert cache.disk_hits == 1 and len(counting_method) == 3


def test_damaged_files_are_recomputed_and_bad_keys_refused(tmp_path, counting_method, frames):
    cache = FlowCache(tmp_path)
    path = cache.path("c", 0, 1, "counting-test", 16)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a numpy file")
    flow = cache.get_or_compute("c", 0, 1, "counting-test", 16, frames)
    assert len(counting_method) == 1 and np.load(path).shape == (16, 16, 2) and np.isfinite(flow).all()
    for key in ("../escape", "a/b", "", ".."):
        with pytest.raises(ValueError, match="cannot name a folder"):
            cache.get_or_compute(key, 0, 1, "counting-test", 16, frames)
    with pytest.raises(ValueError, match="Unknown optical flow method"):
        cache.get_or_compute("c", 0, 1, "nope", 16, frames)
    with pytest.raises(ValueError, match="pass the clip's frames"):
        FlowCache(tmp_path / "other").get_or_compute("c", 0, 1, "counting-test", 16)


def test_real_dis_flow_through_the_cache(tmp_path, frames):
    cache = FlowCache(tmp_path, frames_for=lambda key: frames)
    flow = cache.get_or_compute("c", 0, 1, "dis", 32)
    assert flow.shape == (32, 32, 2) and np.isfinite(flow).all()
