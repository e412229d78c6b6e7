"""manage.py zoo: three plugins through the shared evaluator, one sorted table with the protocol stated."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from annotator.models import Job
from mlbackend.checkpoints import model_version, read_checkpoint, write_checkpoint
from mlbackend.contract import EMOTION, ClipPrediction, Plugin, PredictedEvent
from mlbackend.models import EvaluationReport
from mlbackend.registry import register, unregister


class Constant(Plugin):
    """Predicts its `label` parameter for every segment (a floor for the table)."""

    name = "constant_label"
    version = "0.1"
    capabilities = frozenset({EMOTION})
    description = "test: one label for everything"
    DEFAULTS = {"label": ""}

    def fit(self, train, *, workdir: Path, progress, device: str, seed: int) -> Path:
        labels = list(self.labels) or sorted({e.emotion for c in train for e in c.events})
        return write_checkpoint(Path(workdir) / "constant.pt", {"labels": labels})

    def load(self, checkpoint: Path, *, device: str) -> None:
        self.labels = tuple(read_checkpoint(checkpoint)["labels"])
        self.model_version = model_version(self.name, self.version, checkpoint)

    def predict(self, clips):
        label = self.params.get("label") or self.labels[0]
        probs = {name: float(name == label) for name in self.labels}
        return [ClipPrediction(clip_id=clip.clip_id, score=0.5, model_version=self.model_version, events=tuple(
            PredictedEvent(onset=s.onset, apex=s.apex, offset=s.offset, emotion_probs=probs)
            for s in clip.segments)) for clip in clips]


@pytest.fixture
def constant():
    register(Constant)
    yield Constant
    unregister(Constant.name)


def table_rows(text: str) -> list[list[str]]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:3] == ["#", "plugin", "UF1"])
    return [line.split() for line in lines[start + 1:] if line.strip()]


@pytest.mark.django_db
def test_a_zoo_of_three_plugins_prints_one_sorted_loso_table(coded_project, constant):
    out = io.StringIO()
    call_command("zoo", "--project", coded_project.name, "--models", "constant_label,dummy,ststnet",
                 "--param", "ststnet.epochs=2", "--param", "ststnet.flow=\"dis\"", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "protocol: leave-one-subject-out (loso)" in text
    header = next(line for line in text.splitlines() if line.split()[:2] == ["#", "plugin"])
    datasets = sorted({name for r in EvaluationReport.objects.all() for name in r.per_dataset})
    assert datasets and header.split()[:5] == ["#", "plugin", "UF1", "UAR", "n"] and header.endswith("seconds")
    columns = header.split(" n", 1)[1].rsplit("seconds", 1)[0].split()
    assert " ".join(columns) == " ".join(f"{name} UF1 {name} UAR" for name in datasets)  # per dataset, in order
    rows = table_rows(text)
    assert [row[0] for row in rows] == ["1", "2", "3"] and sorted(row[1] for row in rows) == \
        ["constant_label", "dummy", "ststnet"]
    reports = {r.plugin: r for r in EvaluationReport.objects.all()}
    assert len({r.job.params["zoo"] for r in reports.values()}) == 1  # one zoo id
    assert all(r.job.params["protocol"] == "loso" for r in reports.values())
    expected = sorted(reports.values(), key=lambda r: (-r.overall["uf1"], -r.overall["uar"], r.plugin))
    assert [row[1] for row in rows] == [r.plugin for r in expected]
    for row in rows:
        report = reports[row[1]]
        assert row[2:5] == [f"{report.overall['uf1']:.3f}", f"{report.overall['uar']:.3f}", str(report.overall["n"])]
        assert row[5:-1] == [f"{report.per_dataset[name][key]:.3f}" for name in datasets for key in ("uf1", "uar")]
        assert float(row[-1]) >= 0
    assert reports["ststnet"].params == {"epochs": 2, "flow": "dis"}


@pytest.mark.django_db
def test_a_leave_one_video_out_zoo_says_so(coded_project, constant):
    out = io.StringIO()
    call_command("zoo", "--project", coded_project.name, "--models", "constant_label", "--protocol", "lovo",
                 stdout=out, stderr=io.StringIO())
    assert "protocol: leave-one-video-out (lovo)" in out.getvalue() and "warning: Leave-one-video-out" in out.getvalue()


@pytest.mark.django_db
def test_a_zoo_with_an_unknown_or_non_recognising_plugin_starts_nothing(coded_project, constant):
    for models in ("dummy,nope", "dummy,mdmd", "dummy,dummy"):
        with pytest.raises(CommandError):
            call_command("zoo", "--project", coded_project.name, "--models", models, stdout=io.StringIO(),
                         stderr=io.StringIO())
    assert not Job.objects.filter(kind="evaluate").exists()
