"""Amplification: decoded pixels are budgeted per clip and per project (MESTUDIO_INGEST in settings)."""

import pytest
from django.conf import settings

from annotator.media.framestore import FrameStore
from annotator.models import Clip
from annotator.services.clips import clip_import_path
from tests.annotator.services.test_ingest import write_video
from tests.conftest import ingest_now

SINGLE_FACE_PIXELS = 640 * 360 * 72


def limit(settings, **values) -> None:
    settings.MESTUDIO_INGEST = {**settings.MESTUDIO_INGEST, **values}


def assert_failed_without_frames(clip: Clip, expected: str) -> None:
    clip.refresh_from_db()
    assert clip.status == Clip.Status.FAILED
    assert expected in clip.error, clip.error
    assert not list(FrameStore(settings.MEDIA_ROOT, clip.pk).frames_dir.glob("*.jpg"))


def test_the_defaults_are_set_and_sane():
    config = settings.MESTUDIO_INGEST
    one_hour_of_hd = 1920 * 1080 * 30 * 3600
    assert 0 < config["MAX_CLIP_PIXELS"] <= one_hour_of_hd
    assert config["MAX_CLIP_PIXELS"] < config["MAX_PROJECT_PIXELS"]


@pytest.mark.django_db
def test_a_clip_over_its_pixel_budget_fails_from_its_header(settings, sample_dir, import_clip):
    limit(settings, MAX_CLIP_PIXELS=640 * 360 * 100)
    clip = import_clip(sample_dir / "WolfgangLanger_Pexels.mp4")  # 472 frames declared
    assert_failed_without_frames(clip, "more than 23,040,000 pixels (width x height x frames), this server's "
                                       "limit per clip")


@pytest.mark.django_db
def test_the_pixel_budget_holds_when_the_container_declares_no_frame_count(settings, tmp_path, import_clip):
    path = tmp_path / "stream.ts"
    write_video(path, frames=40, fmt="mpegts", codec="mpeg2video")
    limit(settings, MAX_CLIP_PIXELS=48 * 64 * 25)
    clip = import_clip(path)
    assert_failed_without_frames(clip, "more than 76,800 pixels")


@pytest.mark.django_db
def test_a_project_stops_taking_clips_when_its_budget_is_spent(settings, sample_dir, import_clip, other_project,
                                                               outsider):
    limit(settings, MAX_PROJECT_PIXELS=SINGLE_FACE_PIXELS + 1000)
    first = import_clip(sample_dir / "single_face.mp4")
    assert first.status == Clip.Status.READY, first.error
    second = import_clip(sample_dir / "single_face.mp4")
    assert_failed_without_frames(second, f"more than 1,000 pixels (width x height x frames), what is left of "
                                         f"this project's budget of {SINGLE_FACE_PIXELS + 1000:,} pixels")

    # Another project has a budget of its own.
    other, subject = other_project
    elsewhere = clip_import_path(project=other, subject=subject, path=sample_dir / "single_face.mp4",
                                 created_by=outsider, align=False)
    ingest_now(elsewhere)
    assert elsewhere.status == Clip.Status.READY, elsewhere.error


@pytest.mark.django_db
def test_an_ingest_reserves_its_share_so_a_concurrent_one_cannot_spend_it_too(settings, sample_dir, import_clip,
                                                                              project, subject, lead):
    """Two clips ingesting at once in one project: the first one's reservation counts against the second."""
    from annotator.services.ingest import clip_reserve_pixels

    limit(settings, MAX_PROJECT_PIXELS=SINGLE_FACE_PIXELS + 1000, MAX_CLIP_PIXELS=SINGLE_FACE_PIXELS)
    running = clip_import_path(project=project, subject=subject, path=sample_dir / "single_face.mp4",
                               created_by=lead, align=False)
    assert clip_reserve_pixels(running).max_pixels == SINGLE_FACE_PIXELS, "its whole cap, while it decodes"
    second = import_clip(sample_dir / "single_face.mp4")
    assert_failed_without_frames(second, "more than 1,000 pixels (width x height x frames), what is left of this "
                                         "project's budget")
    assert Clip.objects.get(pk=second.pk).pixels_reserved == 0, "a finished ingest holds no reservation"

    ingest_now(running)  # its ingest ends: the reservation becomes its decoded frames
    running.refresh_from_db()
    assert (running.status, running.pixels_reserved) == (Clip.Status.READY, 0)
