import dataclasses

import numpy as np
import pytest

from mlbackend.contract import AU, APEX, CLIPS, ArrayFrames, ClipInput, Event, LabeledClip, PluginError
from mlbackend.evaluation.loso import loso_evaluate
from mlbackend.nets.recipes import parameter_count_on_meta
from mlbackend.registry import get_plugin_class
from plugins.graph_au import GraphAUPlugin
from plugins.graph_au.network import AU_NODES, au_cooccurrence
from tests.plugins.clipfactory import CLASSES, make_set

TINY = {"epochs": 2, "face_size": 32}


def quiet(fraction, message):
    pass


def test_published_configuration_has_the_released_parameter_count():
    assert get_plugin_class("graph_au") is GraphAUPlugin and GraphAUPlugin.inputs == {CLIPS, APEX}
    settings = GraphAUPlugin().settings()
    assert (settings["lr"], settings["batch_size"], settings["epochs"], settings["dropout"]) == (2e-4, 64, 2000, 0.5)
    # The release's 1,046,669 less its 9 x 9 AU graph, a Parameter it never trains (a buffer here).
    assert parameter_count_on_meta(lambda: GraphAUPlugin().build_model(3, settings)) == 1_046_588
    for bad in ({"magnify": -1}, {"face_size": 16}, {"epochs": 0}, {"flow": "dis"}):
        with pytest.raises(PluginError):
            GraphAUPlugin(params=bad).settings()


def test_au_graph_is_the_conditional_co_occurrence_plus_self_loops():
    graph = au_cooccurrence([{1, 2}, {1}, {12, 14, 99}, {4}])
    one, two, twelve, fourteen, ten = (AU_NODES.index(n) for n in (1, 2, 12, 14, 10))
    assert graph[one, two] == 0.5 and graph[two, one] == 1.0  # P(AU2 | AU1), P(AU1 | AU2)
    assert graph[twelve, fourteen] == graph[fourteen, twelve] == 1.0
    assert np.array_equal(graph[ten], np.eye(9)[ten])  # never coded: its self-loop alone
    assert np.array_equal(au_cooccurrence([]), np.eye(9))


def subject_aus(data: list[LabeledClip]) -> list[LabeledClip]:
    """Smiles code AU12 with an AU of their subject's own: 14, 15, 17 for s00, s01, s02."""
    own = {"s00": 14, "s01": 15, "s02": 17}
    return [dataclasses.replace(c, events=tuple(
        dataclasses.replace(e, aus=(AU(12), AU(own[c.clip.subject])) if e.emotion == "smile" else e.aus)
        for e in c.events)) for c in data]


class Recording(GraphAUPlugin):
    graphs: list = []  # (training subjects, AU graph) of every fit

    def prepare_fit(self, train, *, seed, progress):
        prepared = super().prepare_fit(train, seed=seed, progress=progress)
        Recording.graphs.append((sorted({c.clip.subject for c in train}), self._au_graph))
        return prepared


def test_each_fold_builds_its_au_graph_from_its_training_subjects_alone(tmp_path):
    data = subject_aus(make_set(3, 1, n_frames=16, seed=2))
    Recording.graphs.clear()
    loso_evaluate(lambda: Recording(labels=CLASSES, params=TINY), data, labels=CLASSES, workdir=tmp_path,
                  progress=quiet, trainer="threads")
    assert len(Recording.graphs) == 3
    own = {"s00": 14, "s01": 15, "s02": 17}
    for subjects, graph in Recording.graphs:
        (test_subject,) = set(own) - set(subjects)
        coded = {AU_NODES[i] for i in range(9) if graph[i].sum() > 1}  # an AU that co-occurs with another
        assert coded == {12} | {own[s] for s in subjects}, test_subject


def test_the_checkpoint_carries_the_graph_and_training_is_deterministic(tmp_path):
    import torch

    data = subject_aus(make_set(3, 1, n_frames=16, seed=2))
    states = []
    for seed in (0, 0, 1):
        plugin = GraphAUPlugin(labels=CLASSES, params=TINY)
        plugin.fit(data, workdir=tmp_path / str(len(states)), progress=quiet, device="cpu", seed=seed)
        states.append(plugin.state["model"])
        assert np.array_equal(plugin._model.au_graph.numpy(), au_cooccurrence(
            [{a.number for a in e.aus} for c in data for e in c.events]))
    assert all(torch.equal(states[0][k], states[1][k]) for k in states[0])
    assert not all(torch.equal(states[0][k], states[2][k]) for k in states[0])


def test_training_lowers_the_loss():
    # Without dropout: with 6 samples the published 0.5 makes the loss of 20 steps too noisy to compare.
    plugin = GraphAUPlugin(labels=CLASSES, params={**TINY, "lr": 1e-3, "dropout": 0.0, "epochs": 20})
    prepared = plugin.prepare_fit(make_set(3, 1, n_frames=16, seed=2), seed=0, progress=quiet)
    _, history = plugin.train_model(prepared.x_fit, prepared.y_fit, 2, prepared.params, seed=0, device="cpu",
                                    validation=None, progress=quiet, should_stop=None)
    assert np.mean(history["loss"][-3:]) < 0.6 * np.mean(history["loss"][:3])


def apex_images(data: list[LabeledClip], **changes) -> list[LabeledClip]:
    """Each event's apex face as a one-frame sample (an apex-image set): no onset, event (0, 0, 0)."""
    samples = []
    for c in data:
        (event,) = c.events
        apex = ArrayFrames([c.clip.faces[event.apex]])
        clip = ClipInput(c.clip.clip_id, c.clip.subject, "apex", c.clip.fps, 1, frames=apex, faces=apex)
        samples.append(LabeledClip(dataclasses.replace(clip, **changes), (Event(0, 0, 0, emotion=event.emotion),)))
    return samples


def test_apex_images_go_in_unmagnified_and_a_faceless_sample_is_refused(tmp_path):
    samples = apex_images(make_set(3, 1, n_frames=16, seed=2))
    messages = []
    plugin = GraphAUPlugin(labels=CLASSES, params=TINY)
    plugin.fit(samples, workdir=tmp_path, progress=lambda f, m: messages.append(m), device="cpu", seed=0)
    assert any("6 of 6 samples have no onset" in m and "unmagnified" in m for m in messages)
    predictions = plugin.predict([dataclasses.replace(s.clip, segments=()) for s in samples])
    assert [(e.onset, e.apex, e.offset) for p in predictions for e in p.events] == [(0, 0, 0)] * 6
    with pytest.raises(PluginError, match="no face landmarks and no aligned face crops"):
        plugin.predict([s.clip for s in apex_images(samples, faces=None)])
