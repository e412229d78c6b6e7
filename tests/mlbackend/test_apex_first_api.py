"""Apex-first assist as a job: POST an apex, a "propose" job measures the motion around it, GET reads onset/offset.

The job runs in this process through the Celery task's own function, as tests/mlbackend/test_analysis.py does.
"""

import cv2
import pytest

from annotator.models import Job
from mlbackend import tasks
from tests.conftest import api_client_for, ingest_now
from tests.plugins.clipfactory import make_clip

pytestmark = pytest.mark.django_db

# A raised-cosine movement of a 128 px synthetic face at 100 fps: 14 frames up, 16 frames down.
TRUTH = {"onset": 10, "apex": 24, "offset": 40}
N_FRAMES, FPS = 60, 100


def import_synthetic_clip(*, project, subject, created_by, folder):
    """The synthetic movement written as PNG frames, imported and ingested like any frame folder."""
    from annotator.services.clips import clip_import_path

    folder.mkdir(parents=True)
    labeled = make_clip("toy", 1, "brow", n_frames=N_FRAMES, amplitude=3.0, fps=float(FPS), faces=False, **TRUTH)
    for index in range(N_FRAMES):
        cv2.imwrite(str(folder / f"img{index:03d}.png"), labeled.clip.frames[index])
    clip = clip_import_path(project=project, subject=subject, path=folder, created_by=created_by, align=False,
                            fps=FPS)
    ingest_now(clip)
    assert clip.status == clip.Status.READY and clip.frame_count == N_FRAMES, clip.error
    return clip


@pytest.fixture
def synthetic_clip(project, subject, lead, tmp_path):
    return import_synthetic_clip(project=project, subject=subject, created_by=lead, folder=tmp_path / "synthetic")


def url(clip, job=None):
    return f"/api/clips/{clip.pk}/propose-interval/" + (f"{job}/" if job else "")


def test_a_proposal_is_queued_run_as_a_job_and_read_back(coder_api, synthetic_clip):
    started = coder_api.post(url(synthetic_clip), {"apex": TRUTH["apex"]}, format="json")
    assert started.status_code == 202, started.json()
    body = started.json()
    assert body["status"] == "queued" and body["apex"] == TRUTH["apex"] and body["kind"] == "micro"
    assert body["onset"] is None and body["offset"] is None
    job = Job.objects.get(pk=body["job"])
    assert job.kind == "propose" and job.clip == synthetic_clip and job.params == {"apex": 24, "kind": "micro"}
    assert coder_api.get(url(synthetic_clip, job.pk)).json()["status"] == "queued"

    tasks.propose_interval(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    state = coder_api.get(url(synthetic_clip, job.pk)).json()
    assert state["status"] == "succeeded" and state["progress"] == 1.0
    onset, offset = state["onset"], state["offset"]
    assert onset < TRUTH["apex"] < offset
    assert abs(onset - TRUTH["onset"]) <= 3 and abs(offset - TRUTH["offset"]) <= 3, (onset, offset)
    assert job.params["result"] == {"onset": onset, "offset": offset}
    assert "proposed onset" in job.log


def test_macro_kind_is_passed_on(lead_api, synthetic_clip):
    started = lead_api.post(url(synthetic_clip), {"apex": TRUTH["apex"], "kind": "macro"}, format="json")
    assert started.status_code == 202 and started.json()["kind"] == "macro"
    tasks.propose_interval(started.json()["job"])
    state = lead_api.get(url(synthetic_clip, started.json()["job"])).json()
    assert state["status"] == "succeeded" and state["onset"] < TRUTH["apex"] < state["offset"]


@pytest.mark.parametrize("body", [{"apex": N_FRAMES}, {"apex": -1}, {"apex": "late"}, {},
                                  {"apex": 5, "kind": "blink"}])
def test_bad_requests_are_refused_and_start_nothing(coder_api, synthetic_clip, body):
    response = coder_api.post(url(synthetic_clip), body, format="json")
    assert response.status_code == 400, response.json()
    assert not Job.objects.filter(kind="propose").exists()


def test_apex_outside_the_clip_says_so(coder_api, synthetic_clip):
    response = coder_api.post(url(synthetic_clip), {"apex": N_FRAMES}, format="json")
    assert response.status_code == 400 and "outside the clip" in response.json()["detail"]


def test_outsiders_get_404_and_viewers_403(api_for, viewer, outsider, coder_api, synthetic_clip):
    job = coder_api.post(url(synthetic_clip), {"apex": TRUTH["apex"]}, format="json").json()["job"]
    stranger = api_client_for(outsider)
    assert stranger.post(url(synthetic_clip), {"apex": TRUTH["apex"]}, format="json").status_code == 404
    assert stranger.get(url(synthetic_clip, job)).status_code == 404
    reader = api_for(viewer)
    assert reader.post(url(synthetic_clip), {"apex": TRUTH["apex"]}, format="json").status_code == 403
    assert reader.get(url(synthetic_clip, job)).status_code == 404, "a proposal names its coder's apex"
    assert coder_api.get(url(synthetic_clip, job + 1000)).status_code == 404
    analyse = Job.objects.create(kind="analyse", clip=synthetic_clip, project=synthetic_clip.project)
    assert coder_api.get(url(synthetic_clip, analyse.pk)).status_code == 404  # other kinds are not proposals
    assert Job.objects.filter(kind="propose").count() == 1


def test_a_failed_proposal_reports_its_error(coder_api, synthetic_clip):
    from annotator.media.framestore import FrameStore
    from django.conf import settings

    job = coder_api.post(url(synthetic_clip), {"apex": TRUTH["apex"]}, format="json").json()["job"]
    FrameStore(settings.MEDIA_ROOT, synthetic_clip.pk).frame_path(TRUTH["apex"]).unlink()
    tasks.propose_interval(job)
    state = coder_api.get(url(synthetic_clip, job)).json()
    assert state["status"] == "failed" and state["error"] and state["onset"] is None
