"""Precomputed map samples through the same jobs, evaluator, reports and CLI as clips."""

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from annotator.services.map_import import map_import
from mlbackend.contract import ArrayFrames, ClipInput, Event, LabeledClip, MAPS
from mlbackend.models import EvaluationReport
from mlbackend.nets.maps import given_maps
from mlbackend.registry import get_plugin_class
from mlbackend.services.jobs import ml_job_create
from tests.annotator.datasets import map_fixtures


@pytest.fixture
def map_project(project, tmp_path):
    images, labels, rows = map_fixtures.map_set(tmp_path, per_subject=6)
    map_import(project=project, root=images, labels=labels)
    return project


@pytest.mark.django_db(transaction=True)  # the job's heartbeat thread writes while it trains
def test_ststnet_loso_on_maps_through_the_evaluate_command_reports_per_dataset(map_project, capsys):
    call_command("evaluate", "--project", map_project.name, "--plugin", "ststnet", "--param", "epochs=60",
                 "--param", "lr=0.01", "--param", "batch_size=16", "--param", "threads=1")
    out = capsys.readouterr().out
    report = EvaluationReport.objects.get(project=map_project)
    assert set(report.per_dataset) == {"casme2", "samm", "smic"}
    assert len(report.per_subject) == 9 and report.overall["n"] == 54
    assert report.overall["uf1"] > 0.6  # chance is 1/3: the maps' class pattern was learned from other subjects
    assert "casme2: UF1" in out and "smic: UF1" in out


@pytest.mark.django_db
def test_a_clip_only_plugin_is_refused_on_a_map_project_before_queueing(map_project):
    assert MAPS not in get_plugin_class("flow_svm").inputs
    with pytest.raises(ValidationError, match="flow_svm needs clips of frames; this project's samples include "
                                              "precomputed flow maps"):
        ml_job_create(kind="evaluate", project=map_project, created_by=None, plugin="flow_svm", enqueue=False)
    with pytest.raises(CommandError, match="flow_svm needs clips of frames"):
        call_command("evaluate", "--project", map_project.name, "--plugin", "flow_svm")


def test_given_maps_of_another_size_are_resized_to_the_networks_input():
    maps = np.zeros((3, 56, 56), np.float32)
    maps[0, :, :28] = 1.0
    out = given_maps(maps)
    assert out.shape == (3, 28, 28) and out[0, :, :14].mean() == 1.0 and out[0, :, 14:].mean() == 0.0
    with pytest.raises(ValueError, match=r"\(3, H, W\)"):
        given_maps(np.zeros((28, 28), np.float32))


def test_a_flow_net_fits_and_predicts_on_given_maps_without_frames(tmp_path):
    rng = np.random.default_rng(0)

    def sample(i, label):
        rgb = map_fixtures.class_map(label, rng).transpose(2, 0, 1).astype(np.float32) / 255
        return ClipInput(clip_id=i, subject=f"s{i % 4}", dataset="d", fps=1.0, n_frames=1,
                         frames=ArrayFrames(np.zeros((1, 28, 28, 3), np.uint8)), maps=rgb)

    train = [LabeledClip(sample(i, i % 3), (Event(0, 0, 0, emotion=["a", "b", "c"][i % 3]),)) for i in range(24)]
    plugin = get_plugin_class("ststnet")(params={"epochs": 40, "lr": 0.01, "batch_size": 8, "fast": False})
    plugin.fit(train, workdir=tmp_path, progress=lambda f, m: None, device="cpu", seed=0)
    predictions = plugin.predict([sample(100 + i, i % 3) for i in range(6)])
    assert [p.events[0].emotion for p in predictions] == ["a", "b", "c", "a", "b", "c"]


@pytest.mark.django_db
def test_a_flow_map_network_is_refused_on_apex_images(project, tmp_path):
    images, labels, rows = map_fixtures.map_set(tmp_path)
    map_import(project=project, root=images, labels=labels, kind="apex", align=False)
    with pytest.raises(ValidationError, match="ststnet needs clips of frames, precomputed flow maps; this project's "
                                              "samples include apex images"):
        ml_job_create(kind="train", project=project, created_by=None, plugin="ststnet", enqueue=False)
