"""Composite sets: counts before building, a named or custom mapping, the official ground truth, copied
clips and frames, per-dataset evaluation."""

import io
import json

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from annotator.composites.mappings import NAMED, MappingError, ground_truth, mapping_from_dict
from annotator.media.framestore import FrameStore
from annotator.models import Clip, CodingEvent, EventRevision, Membership, Project
from annotator.selectors.composites import composite_plan
from annotator.services.composites import composite_build
from annotator.services.projects import membership_set, project_create, subject_create
from tests.conftest import make_user

SOURCES = {  # dataset -> [(subject, clip, emotion)]
    "CASME II": [("sub01", "EP02_01f", "happiness"), ("sub01", "EP03_02", "disgust"), ("sub02", "EP01_11f", "others"),
                 ("sub02", "EP04_02", "repression"), ("sub03", "EP05_03", "fear"), ("sub03", "EP06_01", "surprise")],
    "SAMM": [("006", "006_1_2", "Anger"), ("006", "006_1_3", "Happiness"), ("007", "007_3_1", "Contempt"),
             ("007", "007_5_2", "Other")],
    "SMIC-HS": [("s1", "s1_po_01", "positive"), ("s2", "s2_ne_03", "negative"), ("s2", "s2_sur_01", "surprise")],
}


@pytest.fixture
def gold(db):
    return make_user("dataset")


@pytest.fixture
def sources(lead, gold):
    projects = []
    for dataset, rows in SOURCES.items():
        project = project_create(name=dataset, created_by=lead, emotion_labels=sorted({r[2] for r in rows}))
        subjects = {}
        for code, name, emotion in rows:
            if code not in subjects:
                subjects[code] = subject_create(project=project, code=code, consent_given=code != "007",
                                                consent_date="2020-01-01" if code != "007" else None)
            clip = Clip.objects.create(project=project, subject=subjects[code], name=name, source=name, dataset=dataset,
                                       frame_numbers=list(range(46, 86)), fps=200.0, frame_count=40,
                                       status=Clip.Status.READY, source_kind=Clip.SourceKind.FRAMES)
            store = FrameStore(settings.MEDIA_ROOT, clip.pk)
            store.frames_dir.mkdir(parents=True)
            store.frame_path(0).write_bytes(b"\xff\xd8 frame of " + name.encode())
            CodingEvent.objects.create(clip=clip, coder=gold, onset=2, apex=5, offset=20, emotion=emotion,
                                       status="reviewed", aus=[{"number": 12, "side": "R", "intensity": "B"}])
        projects.append(project)
    return projects


def test_plan_counts_classes_clips_and_subjects_per_dataset(sources):
    plan = composite_plan(sources=sources, mapping=NAMED["megc2019"])
    table = {row["dataset"]: row for row in plan.table()}
    assert plan.mapping.classes == ("negative", "positive", "surprise")
    assert table["CASME II"]["classes"] == [2, 1, 1] and table["CASME II"]["subjects"] == 3
    assert table["CASME II"]["dropped"] == {"others (not mapped)": 1, "fear (not mapped)": 1}  # MEGC: not negative
    assert table["SAMM"]["classes"] == [2, 1, 0] and table["SAMM"]["dropped"] == {"Other (not mapped)": 1}
    assert table["SMIC-HS"]["classes"] == [1, 1, 1] and table["SMIC-HS"]["clips"] == 3
    assert table["total"]["classes"] == [5, 3, 2] and table["total"]["clips"] == 10 and table["total"]["subjects"] == 7


def test_dry_run_prints_counts_and_builds_nothing(sources):
    out = io.StringIO()
    call_command("build_composite", "--sources", "CASME II", "SAMM", "SMIC-HS", "--mapping", "megc2019", "--dry-run",
                 stdout=out)
    text = out.getvalue()
    assert "negative" in text and "CASME II" in text and "dropped: fear (not mapped): 1" in text
    assert Project.objects.count() == 3


def test_build_copies_clips_frames_and_mapped_gold_codes(sources, lead, gold):
    project = composite_build(name="MEGC2019", sources=sources, mapping=NAMED["megc2019"], created_by=lead)
    assert project.emotion_labels == ["negative", "positive", "surprise"]
    assert Membership.objects.get(project=project, user=lead).role == Membership.Role.LEAD
    codes = sorted(project.subjects.values_list("code", flat=True))
    assert codes == ["casme2_sub01", "casme2_sub02", "casme2_sub03", "samm_006", "samm_007", "smic_s1", "smic_s2"]
    assert not project.subjects.get(code="samm_007").consent_given  # consent travels with the subject
    clips = list(project.clips.all())
    assert len(clips) == 10 and {c.dataset for c in clips} == {"CASME II", "SAMM", "SMIC-HS"}
    anger = CodingEvent.objects.get(clip__project=project, clip__name="006_1_2")
    assert (anger.emotion, anger.coder, anger.status, anger.notes) == ("negative", gold, "reviewed", "SAMM emotion: Anger")
    assert anger.clip.frame_numbers[anger.onset] == 48 and anger.aus == [{"number": 12, "side": "R", "intensity": "B"}]
    original = Clip.objects.get(project__name="SAMM", name="006_1_2")
    copied = FrameStore(settings.MEDIA_ROOT, anger.clip_id).frame_path(0)
    assert anger.clip_id != original.pk and copied.read_bytes() == b"\xff\xd8 frame of 006_1_2"
    assert EventRevision.objects.filter(clip__project=project).count() == 10


def test_only_a_lead_of_every_source_builds(sources, coder):
    membership_set(project=sources[0], user=coder, role=Membership.Role.LEAD)
    with pytest.raises(PermissionDenied):
        composite_build(name="X", sources=sources, mapping=NAMED["megc2019"], created_by=coder)


def test_a_failed_build_leaves_no_project_and_no_copied_files(sources, lead, monkeypatch):
    before = sorted(p.name for p in (settings.MEDIA_ROOT / "clips").iterdir())

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(EventRevision.objects, "create", broken)
    with pytest.raises(RuntimeError):
        composite_build(name="MEGC2019", sources=sources, mapping=NAMED["megc2019"], created_by=lead)
    assert not Project.objects.filter(name="MEGC2019").exists()
    assert sorted(p.name for p in (settings.MEDIA_ROOT / "clips").iterdir()) == before


def test_official_ground_truth_decides_the_classes(sources, tmp_path):
    csv_path = tmp_path / "gt.csv"
    csv_path.write_text("dataset,sub,filename_o,label\ncasme2,sub01,EP02_01f,0\nsamm,6,006_1_2,2\nsmic,s01,s01_ne_03,1\n"
                        "smic,s02,s02_ne_03,0\n")
    plan = composite_plan(sources=sources, mapping=NAMED["megc2019"], truth=ground_truth(csv_path))
    assert {(clip.name, [t for _e, t in mapped][0]) for clip, _d, mapped in plan.items} == {
        ("EP02_01f", "negative"), ("006_1_2", "surprise"), ("s2_ne_03", "negative")}
    assert plan.table()[-1]["dropped"] == {"not in the ground truth": 10}


def test_custom_mapping_json_and_its_errors(sources, tmp_path):
    mapping = mapping_from_dict({"name": "happy-vs-rest", "classes": ["happy", "rest"],
                                 "datasets": {"casme2": {"happiness": "happy", "Disgust": "rest"}}})
    plan = composite_plan(sources=sources, mapping=mapping)
    assert [row["classes"] for row in plan.table()][-1] == [1, 1]
    path = tmp_path / "m.json"
    path.write_text(json.dumps(mapping.to_dict()))
    out = io.StringIO()
    call_command("build_composite", "--sources", "CASME II", "--mapping", str(path), "--name", "Happy", stdout=out)
    assert Project.objects.get(name="Happy").clips.count() == 2
    for bad in ({"name": "x", "classes": ["a"], "datasets": {"SAMM": {}}},
                {"name": "x", "classes": ["a", "b"], "datasets": {"SAMM": {"anger": "c"}}},
                {"name": "../x", "classes": ["a", "b"], "datasets": {"SAMM": {}}}, []):
        with pytest.raises(MappingError):
            mapping_from_dict(bad)


def test_composite_page_shows_counts_then_builds(sources, lead, client):
    client.force_login(lead)
    assert client.get("/composites/new/").status_code == 200
    ids = [str(p.pk) for p in sources]
    preview = client.post("/composites/new/", {"sources": ids, "mapping": "fused_4class", "label_source": "reviewed",
                                               "action": "preview"})
    assert preview.status_code == 200 and b"composite-counts" in preview.content and b"others" in preview.content
    built = client.post("/composites/new/", {"sources": ids, "mapping": "fused_4class", "label_source": "reviewed",
                                             "name": "Fused 4", "action": "build"})
    project = Project.objects.get(name="Fused 4")
    assert built.status_code == 302 and built["Location"] == f"/projects/{project.pk}/"
    assert project.clips.count() == 13  # every code: fear is negative, others and Other the others class


def test_composite_evaluation_breaks_down_per_source_dataset(sources, lead):
    from annotator.models import Job
    from annotator.services.jobs import job_run
    from mlbackend.models import EvaluationReport
    from mlbackend.services.evaluation import evaluate_job_work
    from mlbackend.services.jobs import ml_job_create

    project = composite_build(name="MEGC2019", sources=sources, mapping=NAMED["megc2019"], created_by=lead)
    job = ml_job_create(kind="evaluate", project=project, created_by=lead, plugin="dummy",
                        label_source="reviewed", enqueue=False)
    job = job_run(job_id=job.pk, work=evaluate_job_work)
    assert job.status == Job.Status.SUCCEEDED, job.error
    report = EvaluationReport.objects.get(job=job)
    assert {name: m["n"] for name, m in report.per_dataset.items()} == {"CASME II": 4, "SAMM": 3, "SMIC-HS": 3}
