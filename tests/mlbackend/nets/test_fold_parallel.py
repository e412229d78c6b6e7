"""The fold-parallel trainers of loso_fast against the plain fold-by-fold loop, for any flow-map network."""

import numpy as np
import pytest
import torch.nn as nn
import torch.nn.functional as F

from mlbackend.evaluation.loso import loso_fold_by_fold
from mlbackend.nets.fast import choose_trainer, loso_fast
from mlbackend.sdk.nets import COMMON_DEFAULTS, FlowNetPlugin
from plugins.off_apexnet import OffApexNetPlugin
from mlbackend.sdk.nets import dropout
from tests.mlbackend.nets.mapset import LABELS, injected, map_set

PARAMS = {"epochs": 4, "lr": 3e-3, "batch_size": 16}


class TinyModule(nn.Module):
    def __init__(self, n_classes, width):
        super().__init__()
        self.conv, self.bn = nn.Conv2d(3, width, 3, padding=1), nn.BatchNorm2d(width)
        self.fc = nn.Linear(width * 7 * 7, n_classes)

    def forward(self, x, generator=None):
        h = F.max_pool2d(self.bn(F.relu(self.conv(x))), 4)
        return self.fc(dropout(h, 0.5, self.training, generator).flatten(1))


class TinyNet(FlowNetPlugin):
    """A small flow-map network of the kind the zoo adds: conv, batch norm, dropout from the generator, FC."""

    name, version, description = "tiny_net", "0", "test network"
    DEFAULTS = {**COMMON_DEFAULTS, "epochs": 3, "width": 4}

    def build_model(self, n_classes, params):
        return TinyModule(n_classes, params["width"])


class TinyNetGlobalDropout(TinyNet):
    """nn.Dropout draws from torch's global stream: no vmap, but the process path still matches."""

    def build_model(self, n_classes, params):
        return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(4), nn.Dropout(0.5),
                             nn.Flatten(), nn.Linear(4 * 7 * 7, n_classes))

    def train_model(self, x, y, n_classes, params, **kwargs):
        class Forward(nn.Module):  # the plain step calls model(x, generator)
            def __init__(self, inner):
                super().__init__()
                self.inner = inner

            def forward(self, x, generator=None):
                return self.inner(x)

        self.build_model, build = (lambda n, p: Forward(build(n, p))), self.build_model
        return super().train_model(x, y, n_classes, params, **kwargs)


def quiet(fraction, message):
    pass


def probs(result):
    return np.array([[sample.probs[label] for label in LABELS] for sample in result.samples])


@pytest.fixture(scope="module")
def maps_data():
    data, maps = map_set(5, 8, seed=1)
    data = [c for c in data if not (c.clip.subject == "s01" and c.clip.clip_id.endswith(("05", "06", "07")))]
    return data, maps  # subjects of 8 and 5 samples: folds of different sizes and step counts


def evaluate(evaluator, cls, data, tmp_path, name, **kwargs):
    return evaluator(lambda: cls(labels=LABELS, params=PARAMS), data, labels=LABELS, workdir=tmp_path / name,
                     progress=quiet, **kwargs)


def same_samples(a, b):
    return [(s.clip_id, s.fold, s.true) for s in a.samples] == [(s.clip_id, s.fold, s.true) for s in b.samples]


@pytest.mark.parametrize("plugin_cls", [TinyNet, TinyNetGlobalDropout])
def test_processes_give_the_plain_loops_numbers_bit_for_bit(maps_data, tmp_path, plugin_cls):
    data, maps = maps_data
    cls = injected(plugin_cls, maps)
    plain = evaluate(loso_fold_by_fold, cls, data, tmp_path, "plain")
    parallel = evaluate(loso_fast, cls, data, tmp_path, "par", trainer="processes", workers=2)
    assert same_samples(parallel, plain)
    assert np.array_equal(probs(parallel), probs(plain))
    assert parallel.overall == plain.overall and parallel.per_subject == plain.per_subject


@pytest.mark.parametrize("plugin_cls", [TinyNet, OffApexNetPlugin])
def test_vmap_over_folds_gives_the_plain_loops_predictions(maps_data, tmp_path, plugin_cls):
    data, maps = maps_data
    cls = injected(plugin_cls, maps)
    extra = {"hidden": 24} if plugin_cls is OffApexNetPlugin else {}
    # batches of 15: folds of 32 samples take 3 steps an epoch, folds of 29 take 2 (a fold sits out a step)
    factory = lambda: cls(labels=LABELS, params={**PARAMS, "batch_size": 15, **extra})  # noqa: E731
    plain = loso_fold_by_fold(factory, data, labels=LABELS, workdir=tmp_path / "plain", progress=quiet)
    batched = loso_fast(factory, data, labels=LABELS, workdir=tmp_path / "vmap", progress=quiet, trainer="vmap")
    assert choose_trainer("vmap", factory(), "cpu") == "vmap"  # not a fallback to threads
    assert same_samples(batched, plain)
    assert np.abs(probs(batched) - probs(plain)).max() < 1e-5
    assert [s.predicted for s in batched.samples] == [s.predicted for s in plain.samples]


def test_cuda_takes_vmap_only_where_it_gives_the_plain_loops_numbers(maps_data):
    data, maps = maps_data
    assert choose_trainer("auto", TinyNet(labels=LABELS), "cuda") == "vmap"
    assert choose_trainer("auto", TinyNetGlobalDropout(labels=LABELS), "cuda") == "threads"
    assert choose_trainer("auto", TinyNet(labels=LABELS, params={"val_subjects": 1, "patience": 2}), "cuda") == "threads"
    assert choose_trainer("auto", TinyNet(labels=LABELS), "cpu") == "processes"
