"""A clip's analysis: the "analyse" job (motion curve, flow colour, magnified frames), its cache and its API."""

import json

import cv2
import numpy as np
import pytest

from annotator.models import Job
from mlbackend import tasks
from mlbackend.services.analysis import AnalysisStore, EulerianMagnifier, reference_frames
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def moving_clip(project, subject, lead, tmp_path):
    """24 frames of 64x48 noise, still but for a patch that moves right from frame 12 on."""
    from annotator.services.clips import clip_import_path
    from tests.conftest import ingest_now

    folder = tmp_path / "moving"
    folder.mkdir()
    rng = np.random.default_rng(3)
    base = cv2.GaussianBlur(rng.integers(0, 255, size=(48, 64, 3), dtype=np.uint8), (3, 3), 0)
    for index in range(24):
        frame = base.copy()
        if index >= 12:
            shift = min(index - 11, 4)
            frame[16:32, 20 + shift:36 + shift] = base[16:32, 20:36]
        cv2.imwrite(str(folder / f"img{index:02d}.png"), frame)
    clip = clip_import_path(project=project, subject=subject, path=folder, created_by=lead, align=False, fps=30)
    ingest_now(clip)
    assert clip.status == clip.Status.READY and clip.frame_count == 24
    return clip


def url(clip, tail=""):
    return f"/api/clips/{clip.pk}/analysis/{tail}"


def test_analysis_is_computed_once_cached_and_served(coder_api, moving_clip, outsider):
    assert coder_api.get(url(moving_clip)).json() == {"status": "none", "job": None, "progress": 0.0, "error": ""}
    before = coder_api.get(f"/api/clips/{moving_clip.pk}/flow/3.jpg")
    assert before.status_code == 404 and "has not run" in before.json()["detail"]
    assert coder_api.get(f"/api/clips/{moving_clip.pk}/magnified/3.jpg").status_code == 404

    started = coder_api.post(url(moving_clip))
    assert started.status_code == 202 and started.json()["status"] == "queued"
    again = coder_api.post(url(moving_clip))  # idempotent: the same job
    assert again.status_code == 200 and again.json()["job"] == started.json()["job"]
    assert Job.objects.filter(clip=moving_clip, kind="analyse").count() == 1

    tasks.analyse(started.json()["job"])
    job = Job.objects.get(pk=started.json()["job"])
    assert job.status == Job.Status.SUCCEEDED, job.error

    state = coder_api.get(url(moving_clip)).json()
    assert state["status"] == "ready" and state["job"] == job.pk
    assert state["reference"] == {"kind": "first", "frame": 0}  # 0.8 s: a short clip
    assert state["region"] == {"source": "frame", "box": [0, 0, 64, 48]}  # no face, no landmarks
    curve = np.array(state["curve"])
    assert curve.shape == (24,) and curve[0] == 0
    assert curve[:12].max() < 0.3 < curve[16]  # still, then the patch moves
    stored = json.loads(AnalysisStore(moving_clip.pk).result_path.read_text())
    assert stored["curve"] == state["curve"] and stored["magnify"]["alpha"] >= 10

    flow = coder_api.get(f"/api/clips/{moving_clip.pk}/flow/16.jpg?g={moving_clip.ingest_generation}")
    assert flow.status_code == 200 and flow["Content-Type"] == "image/jpeg" and "immutable" in flow["Cache-Control"]
    colour = cv2.imdecode(np.frombuffer(flow.content, np.uint8), cv2.IMREAD_COLOR)
    assert colour.shape == (128, 128, 3) and colour.max() > 100  # the moving patch lights up
    still = cv2.imdecode(np.frombuffer(coder_api.get(f"/api/clips/{moving_clip.pk}/flow/0.jpg").content, np.uint8),
                         cv2.IMREAD_COLOR)
    assert still.max() < 20  # the reference frame against itself: black
    magnified = coder_api.get(f"/api/clips/{moving_clip.pk}/magnified/16.jpg")
    assert magnified.status_code == 200
    assert cv2.imdecode(np.frombuffer(magnified.content, np.uint8), cv2.IMREAD_COLOR).shape == (48, 64, 3)
    assert coder_api.get(f"/api/clips/{moving_clip.pk}/flow/24.jpg").status_code == 404  # outside the clip

    # Cached: asking again starts nothing.
    cached = coder_api.post(url(moving_clip))
    assert cached.status_code == 200 and cached.json()["status"] == "ready"
    assert Job.objects.filter(clip=moving_clip, kind="analyse").count() == 1

    stranger = api_client_for(outsider)
    assert stranger.get(url(moving_clip)).status_code == 404
    assert stranger.post(url(moving_clip)).status_code == 404
    assert stranger.get(f"/api/clips/{moving_clip.pk}/flow/16.jpg").status_code == 404
    assert stranger.get(f"/api/clips/{moving_clip.pk}/magnified/16.jpg").status_code == 404


def test_viewers_read_but_do_not_start_and_a_failed_job_can_be_started_again(api_for, viewer, coder_api, moving_clip):
    reader = api_for(viewer)
    assert reader.get(url(moving_clip)).json()["status"] == "none"
    assert reader.post(url(moving_clip)).status_code == 403

    job = Job.objects.get(pk=coder_api.post(url(moving_clip)).json()["job"])
    AnalysisStore(moving_clip.pk).root.joinpath("frames", "000005.jpg").unlink()  # a frame went missing
    tasks.analyse(job.pk)
    state = coder_api.get(url(moving_clip)).json()
    assert state["status"] == "failed" and "frame 5" in state["error"]
    retried = coder_api.post(url(moving_clip))
    assert retried.status_code == 202 and retried.json()["job"] != job.pk


def test_long_clips_use_a_sliding_reference():
    references, description = reference_frames(100, 30)
    assert description == {"kind": "sliding", "frames": 8, "seconds": 0.25}
    assert references[:9] == [0] * 9 and references[50] == 42
    assert reference_frames(60, 30) == ([0] * 60, {"kind": "first", "frame": 0})


def test_magnification_amplifies_a_small_change_and_leaves_a_still_picture_alone():
    rng = np.random.default_rng(0)
    picture = cv2.GaussianBlur(rng.integers(0, 255, size=(64, 64, 3), dtype=np.uint8), (5, 5), 0)
    still = EulerianMagnifier(fps=30, low_hz=0.4, high_hz=4, alpha=15)
    assert all(np.abs(still(picture).astype(int) - picture).max() <= 1 for _ in range(5))

    moving = EulerianMagnifier(fps=30, low_hz=0.4, high_hz=4, alpha=15)
    moving(picture)
    brighter = np.clip(picture.astype(int) + np.where(np.arange(64) < 32, 4, 0)[None, :, None], 0, 255).astype(np.uint8)
    out = moving(brighter)
    assert np.abs(out.astype(int) - picture).mean() > 1.5 * np.abs(brighter.astype(int) - picture).mean()


def test_flow_colour_is_scaled_per_window_so_a_small_movement_far_from_a_big_one_stays_visible():
    from mlbackend.services.analysis import FLOW_SCALE_FLOOR, window_scales

    fps = 10.0  # a window of 0.5 s: 5 frames either side
    highs = [0.1] * 40 + [20.0] + [0.1] * 20 + [2.0] + [0.1] * 40  # a head turn at 40, a micro-movement at 61
    scales = window_scales(highs, fps)
    assert len(scales) == len(highs)
    assert scales[40] == 20.0 and scales[35] == 20.0 and scales[34] == FLOW_SCALE_FLOOR
    assert scales[61] == 2.0, "the micro-movement is scaled to itself, not to the head turn 2 s away"
    assert min(scales) == FLOW_SCALE_FLOOR


def test_the_stabiliser_undoes_head_motion_before_magnification():
    from mlbackend.services.analysis import Stabiliser

    rng = np.random.default_rng(0)
    face = cv2.GaussianBlur(rng.integers(0, 255, (160, 160, 3), dtype=np.uint8), (7, 7), 2)
    moved = cv2.warpAffine(face, cv2.getRotationMatrix2D((80, 80), 3, 1.0) + [[0, 0, 4], [0, 0, -3]], (160, 160),
                           borderMode=cv2.BORDER_REPLICATE)
    stabilise = Stabiliser(face)
    assert np.array_equal(stabilise(face), face) or np.abs(stabilise(face).astype(int) - face).mean() < 1
    inner = (slice(20, 140), slice(20, 140))
    before = np.abs(moved.astype(int) - face)[inner].mean()
    after = np.abs(stabilise(moved).astype(int) - face)[inner].mean()
    assert after < before / 3, (before, after)
