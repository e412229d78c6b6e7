import numpy as np
import pytest

from mlbackend.contract import APEX, CLIPS, PluginError
from mlbackend.nets.recipes import parameter_count_on_meta
from mlbackend.registry import get_plugin_class
from mlbackend.vision.patches import MOUTH
from plugins.graph_au import GraphAUPlugin
from plugins.landmark_graph import LandmarkGraphPlugin
from tests.plugins.clipfactory import CLASSES, make_set

TINY = {"epochs": 2, "channels": 2, "face_size": 32}


def quiet(fraction, message):
    pass


def test_published_configuration_has_the_released_parameter_count():
    assert get_plugin_class("landmark_graph") is LandmarkGraphPlugin
    assert LandmarkGraphPlugin.inputs == {CLIPS, APEX} and LandmarkGraphPlugin.SAMPLE_SHAPE == (1, 28, 49)
    settings = LandmarkGraphPlugin().settings()
    assert (settings["channels"], settings["dropout"], settings["lr"], settings["batch_size"]) == (25, 0.05, 2e-4, 64)
    # Built on the meta device (70 MB of weights). The release also builds an unused BatchNorm1d(34300): 68,600 more.
    assert parameter_count_on_meta(lambda: LandmarkGraphPlugin().build_model(5, settings)) == 17_601_661
    assert parameter_count_on_meta(lambda: LandmarkGraphPlugin().build_model(3, settings)) == 17_600_631
    for bad in ({"channels": 0}, {"lambda_c": 0}, {"colour": 1}):
        with pytest.raises(PluginError):
            LandmarkGraphPlugin(params=bad).settings()


def test_node_and_edge_tcns_are_causal_with_the_published_receptive_fields():
    import torch

    from plugins.landmark_graph.network import GraphTCN

    model = GraphTCN(3, channels=2).eval()
    with torch.no_grad():  # positive weights and inputs: every ReLU passes, so every path carries a gradient
        for parameter in model.parameters():
            parameter.abs_()
    x = torch.rand(1, 1, 882, requires_grad=True)
    for part, reach in ((model.nodes, 1 + 2 * 6 * (1 + 2 + 4 + 8)), (model.edges, 1 + 2 * 6 * 49)):
        (grad,) = torch.autograd.grad(part(x)[0, :, 800].sum(), x)
        seen = torch.nonzero(grad[0, 0]).flatten()
        assert seen.max() == 800 and seen.min() == 800 - reach + 1  # never a later pixel; back `reach` - 1


def test_it_reads_graph_aus_patches_less_the_inner_mouth_corners():
    data = make_set(2, 1, n_frames=16, seed=4)
    items = [(c.clip, c.events[0].segment) for c in data]
    shared = {"face_size": 32, "magnify": 5.0}
    tcn = LandmarkGraphPlugin(params=shared).maps(items, LandmarkGraphPlugin(params=shared).settings())
    au = GraphAUPlugin(params=shared).maps(items, GraphAUPlugin(params=shared).settings())
    kept = [i for i, node in enumerate(GraphAUPlugin.NODES) if node not in (MOUTH[12], MOUTH[16])]
    assert tcn.shape == (4, 1, 28, 49) and np.array_equal(tcn, au[:, :, kept])


def test_training_lowers_the_loss_and_is_deterministic():
    import torch

    plugin = LandmarkGraphPlugin(labels=CLASSES, params={**TINY, "lr": 1e-3})
    prepared = plugin.prepare_fit(make_set(3, 1, n_frames=16, seed=2), seed=0, progress=quiet)

    def train(seed: int, epochs: int):
        return plugin.train_model(prepared.x_fit, prepared.y_fit, 2, {**prepared.params, "epochs": epochs}, seed=seed,
                                  device="cpu", validation=None, progress=quiet, should_stop=None)

    _, history = train(0, 30)
    assert np.mean(history["loss"][-3:]) < 0.75 * np.mean(history["loss"][:3])
    weights = [train(seed, 2)[0].state_dict() for seed in (0, 0, 1)]
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])
    assert not all(torch.equal(weights[0][k], weights[2][k]) for k in weights[0])
