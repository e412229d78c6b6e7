"""loso_fast against the shared evaluator: the same LosoResult, with the fused step or the plain loop."""

import numpy as np
import pytest

from mlbackend.contract import PluginError
from mlbackend.evaluation.loso import EvaluationCancelled, loso_evaluate, loso_fold_by_fold
from mlbackend.nets.fast import loso_fast, supports_loso_fast
from plugins.dummy import DummyPlugin
from plugins.ststnet import STSTNetPlugin
from tests.mlbackend.nets.mapset import LABELS, injected, map_set

PARAMS = {"epochs": 5, "lr": 3e-3, "batch_size": 16}  # 6 subjects x 10 samples; enough steps to learn something


def quiet(fraction, message):
    pass


def probs(result):
    return np.array([[sample.probs[label] for label in LABELS] for sample in result.samples])


def run(evaluate, plugin_cls, data, tmp_path, name, **params):
    return evaluate(lambda: plugin_cls(labels=LABELS, params={**PARAMS, **params}), data, labels=LABELS,
                    workdir=tmp_path / name, progress=quiet)


@pytest.fixture(scope="module")
def maps_data():
    return map_set(6, 10, seed=0)


def test_loso_fast_gives_the_plain_evaluators_metrics(maps_data, tmp_path):
    """6 subjects, 60 samples, 5 epochs: loso_fast with the fused step == loso_evaluate with the plain loop."""
    data, maps = maps_data
    plugin = injected(STSTNetPlugin, maps)
    plain = run(loso_fold_by_fold, plugin, data, tmp_path, "plain", fast=False)
    fast = run(loso_fast, plugin, data, tmp_path, "fast", fast=True)
    assert plain.overall["uf1"] > 0.6  # it learned something: the comparison is not between two constant guesses
    assert fast.overall == plain.overall
    assert fast.per_subject == plain.per_subject and fast.per_dataset == plain.per_dataset
    assert [(s.clip_id, s.fold, s.true, s.predicted) for s in fast.samples] == \
        [(s.clip_id, s.fold, s.true, s.predicted) for s in plain.samples]
    assert np.abs(probs(fast) - probs(plain)).max() < 1e-5
    assert [{k: f[k] for k in ("subject", "n_train", "n_test")} for f in fast.folds] == \
        [{k: f[k] for k in ("subject", "n_train", "n_test")} for f in plain.folds]


def test_loso_fast_is_exactly_the_shared_evaluator_with_the_same_plugin(maps_data, tmp_path):
    data, maps = maps_data
    plugin = injected(STSTNetPlugin, maps)
    one_by_one = run(loso_fold_by_fold, plugin, data, tmp_path, "seq", fast=True)
    parallel = loso_fast(lambda: plugin(labels=LABELS, params=PARAMS), data, labels=LABELS,
                         workdir=tmp_path / "par", progress=quiet, workers=2)
    single = loso_fast(lambda: plugin(labels=LABELS, params=PARAMS), data, labels=LABELS,
                       workdir=tmp_path / "one", progress=quiet, workers=1)
    assert np.array_equal(probs(parallel), probs(one_by_one))  # bit for bit: the same fits
    assert np.array_equal(probs(single), probs(parallel))  # and independent of the worker count


def test_maps_are_computed_once_per_event_for_the_whole_run(maps_data, tmp_path):
    data, maps = maps_data
    calls = []

    class Counting(injected(STSTNetPlugin, maps)):
        def segment_maps(self, faces, clip, segment, params):
            calls.append(clip.clip_id)
            return super().segment_maps(faces, clip, segment, params)

    loso_fast(lambda: Counting(labels=LABELS, params={**PARAMS, "epochs": 1}), data, labels=LABELS,
              workdir=tmp_path, progress=quiet)
    assert sorted(calls) == sorted(c.clip.clip_id for c in data)  # 60, not 60 x 6 folds


def test_progress_runs_to_the_end_and_cancelling_stops(maps_data, tmp_path):
    data, maps = maps_data
    plugin = injected(STSTNetPlugin, maps)
    seen = []
    loso_fast(lambda: plugin(labels=LABELS, params={**PARAMS, "epochs": 1}), data, labels=LABELS,
              workdir=tmp_path / "a", progress=lambda f, m: seen.append(f))
    assert seen[-1] == 1.0 and all(0 <= f <= 1 for f in seen) and seen == sorted(seen), seen
    with pytest.raises(EvaluationCancelled):
        loso_fast(lambda: plugin(labels=LABELS, params={**PARAMS, "epochs": 200}), data, labels=LABELS,
                  workdir=tmp_path / "b", progress=quiet, should_stop=lambda: True, workers=1)


def test_only_flow_map_networks_take_the_fast_path(maps_data, tmp_path):
    data, _ = maps_data
    assert supports_loso_fast(STSTNetPlugin()) and not supports_loso_fast(DummyPlugin())
    with pytest.raises(PluginError):
        loso_fast(lambda: DummyPlugin(labels=LABELS), data, labels=LABELS, workdir=tmp_path, progress=quiet)
    with pytest.raises(ValueError):
        loso_fast(lambda: STSTNetPlugin(labels=LABELS), data[:10], labels=LABELS, workdir=tmp_path, progress=quiet)


def test_the_shared_evaluator_hands_every_flow_net_to_loso_fast_with_the_plain_loops_numbers(maps_data, tmp_path):
    data, maps = maps_data
    plugin = injected(STSTNetPlugin, maps)
    dispatched = run(loso_evaluate, plugin, data, tmp_path, "dispatched", fast=True)
    fast = loso_fast(lambda: plugin(labels=LABELS, params={**PARAMS, "fast": True}), data, labels=LABELS,
                     workdir=tmp_path / "fast", progress=quiet)
    plain_dispatched = run(loso_evaluate, plugin, data, tmp_path, "plain-d", fast=False)
    plain = run(loso_fold_by_fold, plugin, data, tmp_path, "plain", fast=False)
    assert np.array_equal(probs(dispatched), probs(fast))
    assert np.array_equal(probs(plain_dispatched), probs(plain))
