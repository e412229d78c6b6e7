"""The fused STSTNet step against the plain model: same loss, gradients, running statistics, training."""

import os

import numpy as np
import pytest
import torch

from mlbackend.nets import fused, kernel
from mlbackend.nets.fused import FusedSTSTNet, load_kernel
from mlbackend.nets.models import STSTNet, default_init
from mlbackend.nets.train import TrainConfig, plain_step, predict_proba, train_epochs

BACKENDS = ["c", "torch"]


def backend_or_skip(backend):
    """The kernel's tests skip only on a developer's machine without a compiler: CI has g++, and there a
    kernel that cannot be built fails the run instead of hiding every kernel test."""
    if backend == "c" and load_kernel() is None:
        message = f"no C++ compiler for the fused kernel: {fused.kernel_error()}"
        if os.environ.get("CI"):
            pytest.fail(f"CI must build the fused kernel (g++ is installed there); {message}")
        pytest.skip(message)
    return backend


def data(n=90, seed=0, constant=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, 28, 28, generator=g)
    x[:constant] = 0.0  # constant inputs: ties in every pooling window (first maximum wins)
    return x, torch.randint(0, 3, (n,), generator=g)


def twin_models(padding, dropout=0.5, negative_gamma=True):
    model = STSTNet(3, padding=padding, dropout=dropout)
    default_init(model, torch.Generator().manual_seed(3))
    if negative_gamma:  # min-pooling path: a negative batch-norm scale turns the max-pool into a min-pool
        with torch.no_grad():
            model.bn2.weight[1] = -0.7
            model.bn3.weight[0] = -1.3
    twin = STSTNet(3, padding=padding, dropout=dropout)
    twin.load_state_dict(model.state_dict())
    return model.train(), twin.train()


def relative(a, b):
    return ((a - b).abs().max() / b.abs().max().clamp_min(1e-12)).item()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("padding,dropout", [(1, 0.5), (2, 0.5), (1, 0.3), (1, 0.0)])
def test_one_step_equals_the_plain_model(backend, padding, dropout):
    backend_or_skip(backend)
    x, y = data(constant=4)
    batch = torch.randperm(len(y), generator=torch.Generator().manual_seed(1))[:70]
    plain, twin = twin_models(padding, dropout)
    loss_plain = plain_step(plain, x, y, torch.Generator().manual_seed(9))(batch)
    loss_fused = FusedSTSTNet(twin, x, y, torch.Generator().manual_seed(9), backend=backend)(batch)
    assert loss_fused.item() == pytest.approx(loss_plain.item(), abs=1e-6)
    for (name, a), b in zip(plain.named_parameters(), twin.parameters()):
        assert relative(b.grad, a.grad) < 1e-4, name
    for (name, a), b in zip(plain.named_buffers(), twin.buffers()):
        assert torch.allclose(a.float(), b.float(), rtol=1e-6, atol=1e-7), name


@pytest.mark.parametrize("backend", BACKENDS)
def test_training_follows_the_plain_loop(backend):
    """Same seed: same initial weights, batches and dropout masks; only float rounding differs."""
    backend_or_skip(backend)
    x, y = data(120, seed=2)
    x_test, _ = data(30, seed=3)
    results = []
    for fast in (False, True):
        generator = torch.Generator().manual_seed(5)
        model = STSTNet(3)
        default_init(model, generator)
        step = FusedSTSTNet(model, x, y, generator, backend=backend) if fast else plain_step(model, x, y, generator)
        history = train_epochs(model, len(y), step, TrainConfig(epochs=15, batch_size=50, lr=1e-3), generator)
        results.append((predict_proba(model, x_test), history["loss"], model.state_dict()))
    (p_plain, l_plain, s_plain), (p_fast, l_fast, s_fast) = results
    assert torch.allclose(p_fast, p_plain, atol=1e-5)
    assert l_fast == pytest.approx(l_plain, rel=1e-5)
    for name in s_plain:
        assert torch.allclose(s_fast[name].float(), s_plain[name].float(), atol=1e-5), name


def test_the_result_does_not_depend_on_the_thread_count():
    backend_or_skip("c")
    x, y = data(150, seed=4)
    states = []
    for threads in (1, 2):
        generator = torch.Generator().manual_seed(1)
        model = STSTNet(3)
        default_init(model, generator)
        with FusedSTSTNet(model, x, y, generator, backend="c", threads=threads) as step:
            train_epochs(model, len(y), step, TrainConfig(epochs=3, batch_size=100), generator)
        states.append(model.state_dict())
    for name in states[0]:
        assert torch.equal(states[0][name], states[1][name]), name


def test_auto_falls_back_to_the_plain_step_without_a_kernel(monkeypatch):
    monkeypatch.setattr(fused, "load_kernel", lambda: None)
    x, y = data(20)
    plain, twin = twin_models(1)
    step = FusedSTSTNet(twin, x, y, torch.Generator().manual_seed(2), backend="auto")
    assert step.backend == "plain"
    batch = torch.arange(10)
    loss = step(batch)
    reference = plain_step(plain, x, y, torch.Generator().manual_seed(2))(batch)
    assert torch.equal(loss, reference)  # the very same computation
    assert all(torch.equal(a.grad, b.grad) for a, b in zip(plain.parameters(), twin.parameters()))
    with pytest.raises(RuntimeError):
        FusedSTSTNet(twin, x, y, None, backend="c")


def test_the_kernel_is_built_once_into_the_cache(tmp_path, monkeypatch):
    backend_or_skip("c")
    monkeypatch.setenv("MESTUDIO_KERNEL_CACHE", str(tmp_path))
    monkeypatch.setattr(kernel, "_kernel", None)
    monkeypatch.setattr(kernel, "_kernel_error", None)
    assert kernel.load_kernel() is not None
    built = list((tmp_path / "mestudio" / "kernels").glob("ststnet-*.so"))
    assert len(built) == 1
    assert kernel.load_kernel() is kernel._kernel  # loaded once per process


# -- hostile input: every index and label is checked before the kernel reads memory at it -----------------
ALL_BACKENDS = ["c", "torch", "auto"]


def small_step(backend, n=40, classes=3):
    x, y = data(n)
    model = STSTNet(classes)
    default_init(model, torch.Generator().manual_seed(0))
    return FusedSTSTNet(model.train(), x, y, torch.Generator().manual_seed(1), backend=backend, max_batch=32)


@pytest.mark.parametrize("backend", ALL_BACKENDS)
@pytest.mark.parametrize("batch,message", [
    (torch.tensor([0, 5, 40]), r"\[0, 40\)"),  # one past the end
    (torch.tensor([3, -1]), r"\[0, 40\)"),  # negative: numpy and torch would wrap it, the kernel would not
    (torch.tensor([2, 10 ** 12]), r"\[0, 40\)"),  # far out: a read outside the process's memory
    (torch.tensor([1.0, 2.0]), "int16/32/64"),
    (torch.ones(40, dtype=torch.bool), "int16/32/64"),
    (torch.tensor([[1, 2], [3, 4]]), "1-D"),
    (torch.tensor([], dtype=torch.int64), "empty"),
    ([1, 2, 3], "tensor of sample indices"),
])
def test_a_bad_batch_raises_before_any_memory_is_read(backend, batch, message):
    backend_or_skip(backend)
    step = small_step(backend)
    before = {k: v.clone() for k, v in step.model.state_dict().items()}
    with pytest.raises(ValueError, match=message):
        step(batch)
    assert all(torch.equal(before[k], v) for k, v in step.model.state_dict().items())  # nothing half-done
    assert all(p.grad is None for p in step.model.parameters())


def test_a_batch_larger_than_the_kernel_buffers_raises():
    backend_or_skip("c")
    with pytest.raises(ValueError, match="larger than the buffers"):
        small_step("c")(torch.arange(33))


def test_a_numpy_or_int32_batch_is_the_same_step_as_int64():
    backend_or_skip("c")
    losses = []
    for batch in (torch.arange(5, 25), np.arange(5, 25, dtype=np.int32), torch.arange(5, 25, dtype=torch.int32)):
        losses.append(small_step("c")(batch).item())
    assert losses[0] == losses[1] == losses[2]


@pytest.mark.parametrize("backend", ALL_BACKENDS)
@pytest.mark.parametrize("labels,message", [
    (lambda y: y.index_fill(0, torch.tensor([7]), 3), r"\[0, 3\)"),  # class 3 of a 3-class model
    (lambda y: y.index_fill(0, torch.tensor([0]), -1), r"\[0, 3\)"),
    (lambda y: y.index_fill(0, torch.tensor([0]), 10 ** 9), r"\[0, 3\)"),
    (lambda y: y.float(), "integer class labels"),
    (lambda y: y[:-1], "one per map"),
    (lambda y: y.view(-1, 1), "1-D"),
])
def test_a_bad_label_raises_at_construction(backend, labels, message):
    backend_or_skip(backend)
    x, y = data(40)
    model = STSTNet(3)
    with pytest.raises(ValueError, match=message):
        FusedSTSTNet(model, x, labels(y), None, backend=backend)


@pytest.mark.parametrize("maps,message", [
    (lambda x: x.index_fill(0, torch.tensor([3]), float("nan")), "NaN"),
    (lambda x: x.index_fill(0, torch.tensor([3]), float("inf")), "infinite"),
    (lambda x: x[:, :2], r"\(n, 3, 28, 28\)"),
    (lambda x: x[:, :, :27, :27], r"\(n, 3, 28, 28\)"),
    (lambda x: x[0], r"\(n, 3, 28, 28\)"),
    (lambda x: (x * 10).to(torch.int32), "floats"),
])
def test_bad_maps_raise_at_construction(maps, message):
    backend_or_skip("c")
    x, y = data(40)
    with pytest.raises(ValueError, match=message):
        FusedSTSTNet(STSTNet(3), maps(x), y, None, backend="c")


def test_non_contiguous_inputs_train_as_their_contiguous_copies():
    """A transposed view is a valid input: the step copies it into its own contiguous buffers."""
    backend_or_skip("c")
    x, y = data(40)
    strided_x = x.permute(0, 1, 3, 2).contiguous().permute(0, 1, 3, 2)
    strided_y = torch.stack([y, y], 1)[:, 0]
    assert not strided_x.is_contiguous() and not strided_y.is_contiguous()
    losses = []
    for xs, ys in ((x, y), (strided_x, strided_y)):
        model = STSTNet(3)
        default_init(model, torch.Generator().manual_seed(0))
        losses.append(FusedSTSTNet(model.train(), xs, ys, torch.Generator().manual_seed(1), backend="c")(
            torch.arange(30)).item())
    assert losses[0] == losses[1]


def test_a_model_the_kernel_cannot_run_is_refused_or_falls_back():
    backend_or_skip("c")
    x, y = data(40)
    with pytest.raises(ValueError, match="float32 model"):
        FusedSTSTNet(STSTNet(3).double(), x, y, None, backend="c")
    wide = STSTNet(65)
    with pytest.raises(ValueError, match="at most 64 classes"):
        FusedSTSTNet(wide, x, y, None, backend="c")
    assert FusedSTSTNet(wide, x, y, None, backend="auto").backend == "plain"


def test_the_kernel_picks_the_cpus_vector_width_and_every_width_gives_the_same_floats(tmp_path, monkeypatch):
    """16 floats a vector with AVX-512, 8 with AVX2 (where 16-float vectors spill out of the registers):
    each channel's arithmetic is the same operations in the same order, so the step is bit for bit the same."""
    from mlbackend.cpuinfo import cpu_fingerprint

    backend_or_skip("c")
    vector = cpu_fingerprint()["vector"]
    expected = 16 if "avx512f" in vector else 8 if "avx" in vector else None
    if expected is not None:
        assert load_kernel().ststnet_lanes() == expected
    monkeypatch.setenv("MESTUDIO_KERNEL_CACHE", str(tmp_path))
    results = []
    for lanes in (4, 8, 16):
        x, y = data(70, constant=3)
        _, twin = twin_models(1)
        step = FusedSTSTNet(twin, x, y, torch.Generator().manual_seed(9), backend="c")
        step.kernel = kernel._build(lanes=lanes)
        assert step.kernel.ststnet_lanes() == lanes
        loss = step(torch.arange(5, 65))
        results.append((loss, [p.grad.clone() for p in twin.parameters()], [b.clone() for b in twin.buffers()]))
    for loss, grads, buffers in results[1:]:
        assert torch.equal(loss, results[0][0])
        assert all(torch.equal(a, b) for a, b in zip(grads, results[0][1]))
        assert all(torch.equal(a, b) for a, b in zip(buffers, results[0][2]))
