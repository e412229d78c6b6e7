import pytest


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Small tensors: one thread is faster on a shared 2-core machine, and the floats do not depend on the cores."""
    from mlbackend.nets.train import deterministic

    with deterministic(threads=1):
        yield


@pytest.fixture(autouse=True)
def kernel_when_auto(monkeypatch):
    """backend "auto" runs the fused kernel in these tests, whatever the calibration would pick on this CPU:
    the tests compare the kernel with the plain loop, and must not depend on the machine's speed."""
    monkeypatch.setenv("MESTUDIO_TRAINER", "c")
