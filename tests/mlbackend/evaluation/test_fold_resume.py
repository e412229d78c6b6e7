"""A LOSO run interrupted after some folds resumes from its saved folds and ends with the same figures."""

import numpy as np
import pytest

from mlbackend.evaluation.fold_store import FoldStore, run_key
from mlbackend.evaluation.loso import EvaluationCancelled, loso_evaluate
from mlbackend.evaluation.spotting import spotted_video, spotting_loso
from plugins.dummy import DummyPlugin
from tests.mlbackend.nets.mapset import LABELS, injected, map_set
from tests.mlbackend.nets.test_fold_parallel import TinyNet
from tests.mlbackend.test_spotting_evaluation import FakeSpotter

PARAMS = {"epochs": 3, "lr": 3e-3, "batch_size": 16}


def quiet(fraction, message):
    pass


def probs(result):
    return np.array([[sample.probs[label] for label in LABELS] for sample in result.samples])


@pytest.fixture(scope="module")
def maps_data():
    return map_set(5, 6, seed=2)


def test_a_flow_net_run_cancelled_after_two_folds_resumes_with_the_same_figures(maps_data, tmp_path):
    data, maps = maps_data
    cls = injected(TinyNet, maps)
    factory = lambda: cls(labels=LABELS, params=PARAMS)  # noqa: E731
    whole = loso_evaluate(factory, data, labels=LABELS, workdir=tmp_path / "whole", progress=quiet)
    store = FoldStore(tmp_path / "folds")
    with pytest.raises(EvaluationCancelled):
        loso_evaluate(factory, data, labels=LABELS, workdir=tmp_path / "first", progress=quiet, store=store,
                      should_stop=lambda: store.finished() >= 2, trainer="threads")
    assert 2 <= store.finished() < 5
    kept = store.finished()
    resumed = loso_evaluate(factory, data, labels=LABELS, workdir=tmp_path / "second", progress=quiet, store=store)
    assert sum(bool(f.get("resumed")) for f in resumed.folds) == kept
    assert resumed.overall == whole.overall and resumed.per_subject == whole.per_subject
    assert np.array_equal(probs(resumed), probs(whole))
    assert [f["subject"] for f in resumed.folds] == [f["subject"] for f in whole.folds]


def crashing(plugin_class):
    """A subclass that dies on its third fit (a worker killed in the middle of fold 3); set fail_at to 99 to
    let it live, and fits counts its fits."""

    class Crashing(plugin_class):
        fits = 0
        fail_at = 3

        def fit(self, train, **kwargs):
            type(self).fits += 1
            if type(self).fits == self.fail_at:
                raise RuntimeError("worker lost")
            return super().fit(train, **kwargs)

    return Crashing


Failing = crashing(DummyPlugin)


def test_the_fold_by_fold_loop_skips_saved_folds_after_a_crash(maps_data, tmp_path):
    data, _ = maps_data
    store = FoldStore(tmp_path / "folds")
    whole = loso_evaluate(lambda: DummyPlugin(labels=LABELS), data, labels=LABELS, workdir=tmp_path / "w",
                          progress=quiet)
    with pytest.raises(RuntimeError):
        loso_evaluate(lambda: Failing(labels=LABELS), data, labels=LABELS, workdir=tmp_path / "a", progress=quiet,
                      store=store)
    assert store.finished() == 2
    Failing.fits, Failing.fail_at = 0, 99
    resumed = loso_evaluate(lambda: Failing(labels=LABELS), data, labels=LABELS, workdir=tmp_path / "b",
                            progress=quiet, store=store)
    assert Failing.fits == 3  # folds 3, 4 and 5 only
    assert resumed.overall == whole.overall and resumed.per_subject == whole.per_subject
    assert [(s.clip_id, s.predicted, s.probs) for s in resumed.samples] == \
        [(s.clip_id, s.predicted, s.probs) for s in whole.samples]


def test_a_saved_fold_of_another_split_is_not_trusted(maps_data, tmp_path):
    data, _ = maps_data
    store = FoldStore(tmp_path / "folds")
    loso_evaluate(lambda: DummyPlugin(labels=LABELS), data, labels=LABELS, workdir=tmp_path / "a", progress=quiet,
                  store=store)
    fewer = [c for c in data if c.clip.clip_id != data[-1].clip.clip_id]  # the last subject's fold changes
    result = loso_evaluate(lambda: DummyPlugin(labels=LABELS), fewer, labels=LABELS, workdir=tmp_path / "b",
                           progress=quiet, store=store)
    assert not any(f.get("resumed") for f in result.folds)  # every training set changed: every fold refitted


def test_the_run_key_changes_with_what_the_numbers_depend_on(maps_data):
    data, _ = maps_data
    base = dict(plugin="tiny_net", version="0", params=PARAMS, labels=LABELS, seed=0, protocol="loso", data=data)
    key = run_key(**base)
    assert key == run_key(**base)
    assert key != run_key(**{**base, "seed": 1})
    assert key != run_key(**{**base, "params": {**PARAMS, "epochs": 4}})
    assert key != run_key(**{**base, "data": data[:-1]})


CrashingSpotter = crashing(FakeSpotter)


def test_a_spotting_run_resumes_from_its_saved_folds(maps_data, tmp_path):
    data, _ = maps_data
    whole = spotting_loso(FakeSpotter, data, workdir=tmp_path / "w", progress=quiet)
    store = FoldStore(tmp_path / "folds", decode=spotted_video)
    with pytest.raises(RuntimeError):
        spotting_loso(CrashingSpotter, data, workdir=tmp_path / "a", progress=quiet, store=store)
    assert store.finished() == 2
    CrashingSpotter.fits, CrashingSpotter.fail_at = 0, 99
    resumed = spotting_loso(CrashingSpotter, data, workdir=tmp_path / "b", progress=quiet, store=store)
    assert CrashingSpotter.fits == 3, "folds 3, 4 and 5 only"
    assert resumed.videos == whole.videos
    assert [f["subject"] for f in resumed.folds] == [f["subject"] for f in whole.folds]
    assert sum(bool(f.get("resumed")) for f in resumed.folds) == 2
