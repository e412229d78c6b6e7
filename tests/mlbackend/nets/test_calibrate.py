"""backend "auto": the trainer measured faster on this CPU, measured once per CPU fingerprint and cached."""

import json

import pytest
import torch

from mlbackend.nets import calibrate, fused
from mlbackend.nets.calibrate import CHOICES, auto_backend, calibration_file, measure
from mlbackend.nets.fused import FusedSTSTNet
from mlbackend.nets.models import STSTNet, default_init
from mlbackend.nets.train import plain_step
from tests.mlbackend.nets.test_fused import backend_or_skip, data


@pytest.fixture
def measured(monkeypatch, tmp_path):
    """A calibration cache of its own and a stand-in measurement that records its calls."""
    monkeypatch.delenv("MESTUDIO_TRAINER", raising=False)
    monkeypatch.setenv("MESTUDIO_KERNEL_CACHE", str(tmp_path))
    calls = []

    def fake(*, padding, threads):
        calls.append((padding, threads))
        return {"choice": fake.choice, "c_ms": 2.0, "plain_ms": 1.0, "cpu": {}}

    fake.choice = "plain"
    monkeypatch.setattr(calibrate, "measure", fake)
    return fake, calls


def test_a_real_measurement_times_both_trainers():
    backend_or_skip("c")
    result = measure(padding=1, threads=1, steps=1, warmup=0)
    assert result["choice"] in CHOICES and result["c_ms"] > 0 and result["plain_ms"] > 0
    assert result["choice"] == ("c" if result["c_ms"] < result["plain_ms"] else "plain")
    assert result["cpu"]["model"] and "vector" in result["cpu"]


def test_the_choice_is_measured_once_and_cached_per_cpu(measured, monkeypatch):
    fake, calls = measured
    assert auto_backend(padding=1, threads=1) == "plain"
    assert auto_backend(padding=1, threads=1) == "plain"
    assert calls == [(1, 1)]  # the second answer came from the file
    cached = json.loads(calibration_file().read_text())
    assert [entry["choice"] for entry in cached.values()] == ["plain"]
    auto_backend(padding=2, threads=1)  # another setting: its own measurement
    assert calls == [(1, 1), (2, 1)]
    monkeypatch.setattr(calibrate, "fingerprint_key", lambda: "another-cpu")
    fake.choice = "c"
    assert auto_backend(padding=1, threads=1) == "c"  # another CPU measures again, in its own file
    assert calls[-1] == (1, 1) and calibration_file().name == "calibration-another-cpu.json"


def test_a_damaged_cache_is_measured_again(measured):
    fake, calls = measured
    calibration_file().parent.mkdir(parents=True, exist_ok=True)
    calibration_file().write_text("{not json")
    assert auto_backend(padding=1, threads=1) == "plain" and len(calls) == 1
    key = next(iter(json.loads(calibration_file().read_text())))
    calibration_file().write_text(json.dumps({key: {"choice": "fortran"}}))
    assert auto_backend(padding=1, threads=1) == "plain" and len(calls) == 2


def test_the_environment_overrides_the_measurement(measured, monkeypatch):
    _, calls = measured
    monkeypatch.setenv("MESTUDIO_TRAINER", "c")
    assert auto_backend(padding=1, threads=1) == "c" and calls == []
    monkeypatch.setenv("MESTUDIO_TRAINER", "gpu")
    with pytest.raises(ValueError, match="MESTUDIO_TRAINER"):
        auto_backend(padding=1, threads=1)


@pytest.mark.parametrize("choice", CHOICES)
def test_auto_trains_with_the_measured_trainer_and_the_plain_loops_numbers(measured, choice):
    backend_or_skip("c")
    fake, _ = measured
    fake.choice = choice
    x, y = data(60)
    model, twin = STSTNet(3), STSTNet(3)
    default_init(model, torch.Generator().manual_seed(0))
    twin.load_state_dict(model.state_dict())
    step = FusedSTSTNet(model.train(), x, y, torch.Generator().manual_seed(4), backend="auto")
    assert step.backend == choice
    batch = torch.arange(10, 50)
    loss = step(batch)
    reference = plain_step(twin.train(), x, y, torch.Generator().manual_seed(4))(batch)
    assert loss.item() == pytest.approx(reference.item(), abs=1e-6)
    for a, b in zip(model.parameters(), twin.parameters()):
        assert torch.allclose(a.grad, b.grad, rtol=1e-4, atol=1e-6)
    if choice == "plain":
        assert torch.equal(loss, reference)  # the very same computation


def test_an_explicit_backend_is_never_calibrated(measured):
    backend_or_skip("c")
    _, calls = measured
    x, y = data(20)
    assert FusedSTSTNet(STSTNet(3), x, y, None, backend="c").backend == "c"
    assert FusedSTSTNet(STSTNet(3), x, y, None, backend="torch").backend == "torch"
    assert calls == [] and fused.load_kernel() is not None
