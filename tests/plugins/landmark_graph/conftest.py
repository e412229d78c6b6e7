import pytest


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Small tensors: one thread is faster on a shared 2-core machine, and the floats do not depend on the cores."""
    from mlbackend.nets.train import deterministic

    with deterministic(threads=1):
        yield
