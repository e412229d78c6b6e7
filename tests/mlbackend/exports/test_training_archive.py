"""The training archive scores to the project's own figures, holds no metadata, and refuses hostile zips."""

import io
import json
import zipfile

import numpy as np
import pytest
from django.core.management import call_command

from annotator.models import Export, Job, Subject
from annotator.services.jobs import job_run
from mlbackend.exports.archive import ArchiveError, archive_read, archive_write
from mlbackend.models import EvaluationReport
from mlbackend.services.archive_evaluation import archive_evaluate
from mlbackend.services.evaluation import evaluate_job_work
from mlbackend.services.jobs import ml_job_create

FIGURES = ("overall", "per_dataset", "per_subject", "au_metrics")
# Each test builds coded_project afresh, the same frames each time: their TV-L1 maps are computed once (conftest.py).
pytestmark = pytest.mark.usefixtures("tvl1_once")


def project_report(project, plugin: str) -> EvaluationReport:
    job = ml_job_create(kind="evaluate", project=project, created_by=None, plugin=plugin, enqueue=False)
    job = job_run(job_id=job.pk, work=evaluate_job_work)
    assert job.status == Job.Status.SUCCEEDED, job.error
    return EvaluationReport.objects.get(job=job)


@pytest.fixture
def consenting_project(coded_project):
    Subject.objects.filter(project=coded_project).update(consent_given=True, consent_date="2024-01-01")
    return coded_project


@pytest.mark.parametrize("plugin", ["flow_svm", "dummy"])
def test_archive_evaluates_to_the_figures_of_its_project(consenting_project, tmp_path, plugin):
    report = project_report(consenting_project, plugin)
    path = tmp_path / "train.zip"
    export = archive_write(project=consenting_project, path=path, label_source="submitted")
    assert export.format == "training_archive" and export.row_count == 16 and export.subjects_excluded == []
    result = archive_evaluate(path=path, plugin=plugin)
    for name in FIGURES:
        assert json.loads(json.dumps(getattr(result, name))) == getattr(report, name), name
    assert [(s["clip_id"], s["predicted"]) for s in report.samples] == [(s.clip_id, s.predicted) for s in result.samples]
    assert report.overall["n"] == 16


def test_evaluate_command_takes_an_archive(consenting_project, tmp_path):
    call_command("export_training", "--project", consenting_project.name, "--out", str(tmp_path / "a.zip"),
                 "--label-source", "submitted")
    out = io.StringIO()
    call_command("evaluate", "--archive", str(tmp_path / "a.zip"), "--plugin", "dummy",
                 "--json", str(tmp_path / "f.json"), stdout=out)
    report = project_report(consenting_project, "dummy")
    figures = json.loads((tmp_path / "f.json").read_text())
    assert figures["overall"] == report.overall
    assert f"UF1 {report.overall['uf1']:.3f}" in out.getvalue()


def test_archive_contents_faces_maps_and_no_metadata(consenting_project, tmp_path):
    path = tmp_path / "train.zip"
    archive_write(project=consenting_project, path=path, label_source="submitted")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        labels = archive.read("labels.csv").decode().splitlines()
        maps = np.load(io.BytesIO(archive.read("maps/0.npy")), allow_pickle=False)
        png = archive.read(next(n for n in names if n.endswith(".png")))
    assert labels[0].startswith("event,clip_id,subject,dataset") and len(labels) == 17
    assert maps.shape == (3, 28, 28) and maps.dtype == np.float32
    assert sum(n.endswith(".png") for n in names) == 32  # onset and apex of 16 codes
    chunks, offset = [], 8
    while offset < len(png):  # PNG chunks: length, type, data, crc
        length = int.from_bytes(png[offset:offset + 4], "big")
        chunks.append(png[offset + 4:offset + 8])
        offset += 12 + length
    assert set(chunks) <= {b"IHDR", b"IDAT", b"IEND"}  # no eXIf, tEXt, iTXt, tIME
    assert not list(tmp_path.glob(".*part"))


def test_archive_leaves_out_subjects_without_consent(coded_project, tmp_path):
    Subject.objects.filter(project=coded_project, code__in=["P01", "P02"]).update(consent_given=True,
                                                                                   consent_date="2024-01-01")
    export = archive_write(project=coded_project, path=tmp_path / "a.zip", label_source="submitted")
    assert export.row_count == 8 and export.subjects_excluded == ["P03", "P04"]
    assert {c.clip.subject for c in archive_read(tmp_path / "a.zip").clips} == {"P01", "P02"}
    assert Export.objects.count() == 1


@pytest.mark.parametrize("name", ["../evil.txt", "/abs.png", "faces/1/../../x.png", "labels.csv.exe"])
def test_hostile_archive_entries_are_refused(tmp_path, name):
    path = tmp_path / "bad.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", "{}")
        archive.writestr(name, b"x")
    with pytest.raises(ArchiveError):
        archive_read(path)


def test_an_oversized_image_header_is_refused_before_decoding(consenting_project, tmp_path):
    path = tmp_path / "train.zip"
    archive_write(project=consenting_project, path=path, label_source="submitted")
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(bad, "w") as target:
        for info in source.infolist():
            blob = source.read(info)
            if info.filename.endswith(".png"):
                blob = blob[:16] + (100_000).to_bytes(4, "big") + blob[20:]
            target.writestr(info.filename, blob)
    with pytest.raises(ArchiveError, match="at most 4096"):
        archive_read(bad)
