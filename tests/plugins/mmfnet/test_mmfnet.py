import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mlbackend.checkpoints import read_checkpoint
from mlbackend.contract import PluginError
from mlbackend.evaluation.loso import loso_evaluate
from plugins.mmfnet import MMFNetPlugin, build_network
from tests.plugins.clipfactory import CLASSES, make_set

REPO = Path(__file__).resolve().parents[3]
FAST = {"epochs": 40}


def quiet(fraction, message):
    pass


@pytest.fixture(scope="module")
def data():
    return make_set(3, 2, n_frames=30, seed=3)


def test_importing_loads_neither_cv2_nor_torch():
    code = "import plugins.mmfnet, sys; assert 'cv2' not in sys.modules and 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_the_network_is_small_and_two_streamed():
    model = build_network(8, 32)
    assert sum(p.numel() for p in model.parameters()) == 8496
    import torch

    embedding = model.eval()(torch.zeros(5, 4, 32, 32))
    assert embedding.shape == (5, 32)


def test_fit_stores_prototypes_and_predicts_one_event_per_segment(data, tmp_path):
    plugin = MMFNetPlugin(labels=(*CLASSES, "absent"), params={**FAST, "metric": "euclidean"})
    calls = []
    checkpoint = plugin.fit(data, workdir=tmp_path, progress=lambda f, m: calls.append(f), device="cpu", seed=0)
    assert calls and all(0 <= f <= 1 for f in calls)
    state = read_checkpoint(checkpoint)
    assert state["prototypes"].shape == (3, 32) and state["present"].tolist() == [True, True, False]
    assert float(state["prototypes"][2].abs().sum()) == 0.0
    assert state["n_train"] == 12 and state["class_counts"] == [6, 6, 0]
    inputs = [dataclasses.replace(c.clip, segments=tuple(e.segment for e in c.events)) for c in data]
    predictions = MMFNetPlugin()
    predictions.load(checkpoint, device="cpu")
    out = predictions.predict(inputs)
    assert [len(p.events) for p in out] == [1] * len(data)
    for p in out:
        probs = p.events[0].emotion_probs
        assert list(probs) == [*CLASSES, "absent"] and probs["absent"] < 1e-9
        assert sum(probs.values()) == pytest.approx(1.0)
    # the prototype head: softmax over -||f - w_c||^2 of the embedding
    import torch

    maps = predictions.maps([(inputs[0], inputs[0].segments[0])], predictions._loaded_params)
    x = torch.from_numpy(((maps - state["mean"].numpy()[None, :, None, None])
                          / state["std"].numpy()[None, :, None, None]).astype(np.float32))
    with torch.no_grad():
        f = predictions._model(x)
    logits = -((f[:, None] - state["prototypes"][None, :2].float()) ** 2).sum(-1)
    expected = torch.softmax(logits.double(), dim=1)[0].numpy()
    assert [out[0].events[0].emotion_probs[c] for c in CLASSES] == pytest.approx(expected, abs=1e-6)


def test_training_is_deterministic_and_the_seed_matters(data, tmp_path):
    def train(seed, folder):
        checkpoint = MMFNetPlugin(labels=CLASSES, params=FAST).fit(data, workdir=tmp_path / folder, progress=quiet,
                                                                    device="cpu", seed=seed)
        return read_checkpoint(checkpoint)

    a, b, c = train(0, "a"), train(0, "b"), train(1, "c")
    assert all(np.array_equal(a["model"][k].numpy(), b["model"][k].numpy()) for k in a["model"])
    assert np.array_equal(a["prototypes"].numpy(), b["prototypes"].numpy())
    assert not np.array_equal(a["prototypes"].numpy(), c["prototypes"].numpy())


def test_loso_separates_the_toy_motions(tmp_path):
    data = make_set(3, 2, n_frames=30, seed=5)
    result = loso_evaluate(lambda: MMFNetPlugin(labels=CLASSES, params=FAST), data, labels=CLASSES,
                           workdir=tmp_path, progress=quiet)
    assert result.overall["uf1"] >= 0.8


def test_dot_metric_is_the_default_and_bad_parameters(data, tmp_path):
    import torch

    plugin = MMFNetPlugin(labels=CLASSES, params={"epochs": 3})
    plugin.fit(data, workdir=tmp_path, progress=quiet, device="cpu", seed=0)
    assert plugin.state["params"]["metric"] == "dot"
    clip = dataclasses.replace(data[0].clip, segments=(data[0].events[0].segment,))
    maps = plugin.maps([(clip, clip.segments[0])], plugin._loaded_params)
    x = torch.from_numpy(((maps - plugin._mean[None, :, None, None]) / plugin._std[None, :, None, None])
                         .astype(np.float32))
    with torch.no_grad():
        expected = torch.softmax((plugin._model(x) @ plugin.state["prototypes"].float().T).double(), dim=1)[0]
    probs = plugin.predict([clip])[0].events[0].emotion_probs
    assert [probs[c] for c in CLASSES] == pytest.approx(expected.numpy(), abs=1e-6)
    with pytest.raises(PluginError, match="metric"):
        MMFNetPlugin(params={"metric": "cosine"}).settings()
    with pytest.raises(PluginError, match="does not know"):
        MMFNetPlugin(params={"depth": 3}).settings()
