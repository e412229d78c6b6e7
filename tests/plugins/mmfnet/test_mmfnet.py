import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mlbackend.checkpoints import read_checkpoint
from mlbackend.contract import ClipInput, Event, LabeledClip, PluginError
from mlbackend.evaluation.loso import loso_evaluate
from plugins.mmfnet import MMFNetPlugin
from plugins.mmfnet import macro as macro_module
from plugins.mmfnet.inputs import sample_maps
from plugins.mmfnet.network import build_network, fused_logits
from tests.plugins.clipfactory import CLASSES, make_set

REPO = Path(__file__).resolve().parents[3]
FAST = {"epochs": 30, "macro_epochs": 30, "macro_faces": 4}
EMOTIONS = {"brow": "surprise", "smile": "positive"}  # toy motions under labels the generator renders


def quiet(fraction, message):
    pass


def as_emotions(clips):
    return [dataclasses.replace(c, events=tuple(dataclasses.replace(e, emotion=EMOTIONS[e.emotion]) for e in c.events))
            for c in clips]


def probabilities(predictions, labels=("positive", "surprise")):
    return np.asarray([[p.events[0].emotion_probs[c] for c in labels] for p in predictions])


def with_segments(clips):
    return [dataclasses.replace(c.clip, segments=tuple(e.segment for e in c.events)) for c in clips]


@pytest.fixture(scope="module")
def data():
    return make_set(3, 2, n_frames=30, seed=3)


@pytest.fixture(scope="module")
def emotions(data):
    return as_emotions(data)


@pytest.fixture(scope="module")
def fused(emotions, tmp_path_factory):
    """A micro + macro model on the toy set labelled positive / surprise, and its progress messages."""
    messages = []
    plugin = MMFNetPlugin(labels=("positive", "surprise"), params=FAST)
    plugin.fit(emotions, workdir=tmp_path_factory.mktemp("fused"), progress=lambda f, m: messages.append(m),
               device="cpu", seed=0)
    return plugin, messages


def test_importing_loads_neither_cv2_nor_torch():
    code = "import plugins.mmfnet, sys; assert 'cv2' not in sys.modules and 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_the_network_is_small_and_two_streamed_or_flow_only():
    import torch

    model = build_network(8, 32)
    assert sum(p.numel() for p in model.parameters()) == 8496
    assert model.eval()(torch.zeros(5, 4, 32, 32)).shape == (5, 32)
    flow_only = build_network(8, 32, difference=False)
    assert flow_only.diff is None and sum(p.numel() for p in flow_only.parameters()) == 4336
    assert flow_only.eval()(torch.zeros(5, 3, 32, 32)).shape == (5, 32)


def test_macro_samples_are_rendered_on_training_faces_deterministically(emotions):
    def render(seed):
        macro_module._cache.clear()
        return macro_module.synthetic_macro(emotions, ["positive", "surprise"], limit=3, seed=seed, size=32,
                                            flow="dis", progress=quiet)

    maps, targets = render(0)
    assert maps.shape == (6, 4, 32, 32) and targets.tolist() == [0, 1] * 3  # each face: one per class
    again, _ = render(0)
    other, _ = render(1)
    assert np.array_equal(maps, again) and not np.array_equal(maps, other)
    toy = sample_maps([(c.clip, c.events[0].segment) for c in emotions], "clips", 32, "dis")
    assert np.abs(maps[:, 2]).mean() > 2 * np.abs(toy[:, 2]).mean()  # macro intensity: a larger flow magnitude
    assert macro_module.synthetic_macro(emotions, ["brow", "smile"], limit=3, seed=0, size=32, flow="dis",
                                        progress=quiet)[0].shape == (0, 4, 32, 32)  # labels it cannot render


def test_micro_and_macro_models_fuse_with_alpha(fused, emotions, tmp_path):
    import torch

    plugin, messages = fused
    state = plugin.state
    assert state["macro"]["n_samples"] == 8 and state["macro"]["prototypes"].shape == (2, 32)
    assert "macro model on 0 macro events, 8 rendered macro-expressions" in messages
    assert any("macro model: pretraining" in m for m in messages) and "micro + alpha x macro" in messages[-1]
    inputs = with_segments(emotions)
    raw = sample_maps([(c, c.segments[0]) for c in inputs], "clips", 32, "dis")
    micro, macro = plugin.logits(raw)
    expected = torch.softmax(fused_logits(micro, macro, 0.5).double(), dim=1).numpy()
    out = plugin.predict(inputs)
    assert np.allclose(probabilities(out), expected, rtol=0, atol=1e-9)
    assert not torch.allclose(fused_logits(micro, macro, 0.0), fused_logits(micro, macro, 1.0))
    # alpha = 0 is the micro model alone: the same micro weights as macro: false, and the same probabilities
    plain = MMFNetPlugin(labels=("positive", "surprise"), params={**FAST, "macro": False})
    plain.fit(emotions, workdir=tmp_path, progress=quiet, device="cpu", seed=0)
    assert not plain.state["macro"] and plain.state["macro_note"] == "macro: false, micro model only"
    assert all(torch.equal(plain.state["model"][k], state["model"][k]) for k in state["model"])
    micro_only = torch.softmax(fused_logits(micro, macro, 0.0).double(), dim=1).numpy()
    assert np.allclose(probabilities(plain.predict(inputs)), micro_only, rtol=0, atol=1e-9)


def test_training_is_deterministic_and_the_seed_matters(fused, emotions, tmp_path):
    def train(seed):
        plugin = MMFNetPlugin(labels=("positive", "surprise"), params=FAST)
        plugin.fit(emotions, workdir=tmp_path / str(seed), progress=quiet, device="cpu", seed=seed)
        return plugin.state

    first, again, other = fused[0].state, train(0), train(1)
    for part in ("model", "macro"):
        a, b, c = first[part], again[part], other[part]
        a, b, c = (x["model"] if part == "macro" else x for x in (a, b, c))
        assert all(np.array_equal(a[k].numpy(), b[k].numpy()) for k in a)
        assert not all(np.array_equal(a[k].numpy(), c[k].numpy()) for k in a)


def test_fit_stores_prototypes_and_predicts_one_event_per_segment(data, tmp_path):
    messages = []
    plugin = MMFNetPlugin(labels=(*CLASSES, "absent"), params={**FAST, "metric": "euclidean"})
    checkpoint = plugin.fit(data, workdir=tmp_path, progress=lambda f, m: messages.append((f, m)), device="cpu",
                            seed=0)
    assert all(0 <= f <= 1 for f, _ in messages)
    state = read_checkpoint(checkpoint)
    assert state["input"] == "clips" and not state["macro"]  # brow / smile: nothing the generator renders
    assert "not brow, smile, absent" in state["macro_note"] and "micro model only" in messages[-1][1]
    assert state["prototypes"].shape == (3, 32) and state["present"].tolist() == [True, True, False]
    assert state["n_train"] == 12 and state["class_counts"] == [6, 6, 0]
    loaded = MMFNetPlugin()
    loaded.load(checkpoint, device="cpu")
    inputs = with_segments(data)
    out = loaded.predict(inputs)
    assert [len(p.events) for p in out] == [1] * len(data)
    for p in out:
        probs = p.events[0].emotion_probs
        assert list(probs) == [*CLASSES, "absent"] and probs["absent"] < 1e-9
        assert sum(probs.values()) == pytest.approx(1.0)
    import torch

    raw = sample_maps([(inputs[0], inputs[0].segments[0])], "clips", 32, "dis")
    x = torch.from_numpy(((raw - state["mean"].numpy()[None, :, None, None])
                          / state["std"].numpy()[None, :, None, None]).astype(np.float32))
    with torch.no_grad():
        f = loaded._models[0][0](x)
    logits = -((f[:, None] - state["prototypes"][None, :2].float()) ** 2).sum(-1)  # the prototype head
    expected = torch.softmax(logits.double(), dim=1)[0].numpy()
    assert [out[0].events[0].emotion_probs[c] for c in CLASSES] == pytest.approx(expected, abs=1e-6)


def map_set(n_subjects=3, seed=5):
    """Precomputed u, v, strain maps without frames: class k brightens the upper half of channel k."""
    rng = np.random.default_rng(seed)
    samples = []
    for subject in range(n_subjects):
        for k, label in enumerate(CLASSES):
            for j in range(2):
                maps = rng.random((3, 28, 28), dtype=np.float32)
                maps[k, :14] += 1.0
                clip = ClipInput(clip_id=f"s{subject}-{k}-{j}", subject=f"s{subject}", dataset="maps", fps=1.0,
                                 n_frames=1, frames=np.zeros((1, 28, 28, 3), np.uint8), maps=maps)
                samples.append(LabeledClip(clip, (Event(0, 0, 0, emotion=label),)))
    return samples


def test_map_sets_train_the_flow_stream_alone_and_say_so(data, tmp_path):
    samples = map_set()
    messages = []
    plugin = MMFNetPlugin(labels=CLASSES, params=FAST)
    plugin.fit(samples[:8], workdir=tmp_path, progress=lambda f, m: messages.append(m), device="cpu", seed=0)
    assert plugin.state["input"] == "maps" and plugin._models[0][0].diff is None
    assert "flow stream only, no frame-difference stream" in messages[0] and "flow stream only" in messages[-1]
    assert "no faces to render" in plugin.state["macro_note"] and not plugin.state["macro"]
    out = plugin.predict([s.clip for s in samples[8:]])  # no segments: one map, one sample
    assert [p.events[0].emotion for p in out] == [e.emotion for s in samples[8:] for e in s.events]
    with pytest.raises(PluginError, match="trained on precomputed flow maps and cannot predict clips of frames"):
        plugin.predict(with_segments(data[:1]))
    with pytest.raises(PluginError, match="precomputed flow maps and the others clips"):
        MMFNetPlugin(labels=CLASSES, params=FAST).fit([*samples[:4], *data[:4]], workdir=tmp_path / "mixed",
                                                      progress=quiet, device="cpu", seed=0)


def test_loso_separates_the_toy_motions(tmp_path):
    data = make_set(3, 2, n_frames=30, seed=5)
    result = loso_evaluate(lambda: MMFNetPlugin(labels=CLASSES, params=FAST), data, labels=CLASSES,
                           workdir=tmp_path, progress=quiet)
    assert result.overall["uf1"] >= 0.8


def test_bad_parameters():
    for params, match in (({"metric": "cosine"}, "metric"), ({"depth": 3}, "does not know"),
                          ({"alpha": -1}, "alpha"), ({"macro_epochs": 0}, "macro_epochs"), ({"epochs": "x"}, "bad")):
        with pytest.raises(PluginError, match=match):
            MMFNetPlugin(params=params).settings()
    assert MMFNetPlugin(params={"macro": "false"}).settings()["macro"] is False
