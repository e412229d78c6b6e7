"""Frame ids are decoder frame indices: what the API serves as frame N is the decoder's frame N, byte for byte."""

import hashlib

import av
import cv2
import numpy as np
import pytest
from django.conf import settings

from annotator.services.clips import clip_import_path

# Every sample video pyfeat ships; face_noface.mov and noface_face.mov are HEVC.
SAMPLE_VIDEOS = ("single_face.mp4", "no_face.mp4", "WolfgangLanger_Pexels.mp4", "face_noface.mov", "noface_face.mov")


def reference_jpeg_hashes(path) -> list[str]:
    """An independent decode: PyAV, every frame to bgr24, JPEG at the configured quality."""
    params = [int(cv2.IMWRITE_JPEG_QUALITY), int(settings.MESTUDIO_INGEST["JPEG_QUALITY"])]
    hashes = []
    with av.open(str(path), format="mov") as container:  # the samples are MP4/MOV: the mov demuxer reads both
        for frame in container.decode(container.streams.video[0]):
            ok, encoded = cv2.imencode(".jpg", frame.to_ndarray(format="bgr24"), params)
            assert ok
            hashes.append(hashlib.sha256(encoded.tobytes()).hexdigest())
    return hashes


def opencv_frames(path) -> list[np.ndarray]:
    """A second decoder (OpenCV's own FFmpeg build and colour conversion)."""
    # A trusted sample file, opened only to compare decoders: uploads never reach this (the app's opener allow-lists).
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    frames = []
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                return frames
            frames.append(frame)
    finally:
        capture.release()


def mean_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def get_frame(client, clip_id: int, frame_id: int):
    return client.get(f"/api/clips/{clip_id}/frames/{frame_id}.jpg")


@pytest.mark.django_db
@pytest.mark.parametrize("name", SAMPLE_VIDEOS)
def test_every_served_frame_equals_the_independent_decode(name, sample_dir, import_clip, coder_api):
    clip = import_clip(sample_dir / name)
    assert clip.status == clip.Status.READY, clip.error

    expected = reference_jpeg_hashes(sample_dir / name)
    assert len(expected) > 0
    assert clip.frame_count == len(expected)
    api_clip = coder_api.get(f"/api/clips/{clip.pk}/").json()
    assert api_clip["frame_count"] == len(expected)

    served = []
    for frame_id in range(clip.frame_count):
        response = get_frame(coder_api, clip.pk, frame_id)
        assert response.status_code == 200, (frame_id, response.content[:200])
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Frame-Id"] == str(frame_id)
        served.append(hashlib.sha256(response.content).hexdigest())
    mismatched = [i for i, (got, want) in enumerate(zip(served, expected)) if got != want]
    assert mismatched == [], f"{name}: frames {mismatched[:10]} differ from the reference decode"

    assert get_frame(coder_api, clip.pk, clip.frame_count).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("name", SAMPLE_VIDEOS)
def test_served_frame_n_is_closest_to_opencv_frame_n(name, sample_dir, import_clip, coder_api):
    clip = import_clip(sample_dir / name)
    assert clip.status == clip.Status.READY, clip.error
    reference = opencv_frames(sample_dir / name)
    assert clip.frame_count == len(reference)

    # Frames whose neighbours visibly differ from them: only there does an off-by-one show.
    moving = [
        n for n in range(1, len(reference) - 1)
        if min(mean_abs_diff(reference[n], reference[n - 1]), mean_abs_diff(reference[n], reference[n + 1])) > 1.0
    ]
    assert len(moving) >= 10, f"{name}: too few frames with motion to check ordering"
    sample = [moving[int(i)] for i in np.linspace(0, len(moving) - 1, num=min(40, len(moving)))]

    for n in sorted(set(sample)):
        response = get_frame(coder_api, clip.pk, n)
        assert response.status_code == 200
        served = cv2.imdecode(np.frombuffer(response.content, dtype=np.uint8), cv2.IMREAD_COLOR)
        assert served.shape == reference[n].shape
        own = mean_abs_diff(served, reference[n])
        assert own < mean_abs_diff(served, reference[n - 1]), f"{name}: served frame {n} looks like frame {n - 1}"
        assert own < mean_abs_diff(served, reference[n + 1]), f"{name}: served frame {n} looks like frame {n + 1}"


@pytest.mark.django_db
def test_container_frame_count_that_lies_is_flagged_and_the_decoded_count_wins(sample_dir, import_clip, coder_api):
    clip = import_clip(sample_dir / "no_face.mp4")
    assert clip.status == clip.Status.READY, clip.error
    with av.open(str(sample_dir / "no_face.mp4"), format="mov") as container:
        declared = container.streams.video[0].frames
        decoded = sum(1 for _ in container.decode(video=0))
    assert (declared, decoded) == (98, 95)  # the sample itself: header says 98, 95 decode

    assert clip.frame_count == 95
    assert clip.container_frame_count == 98
    assert clip.frame_count_mismatch is True

    body = coder_api.get(f"/api/clips/{clip.pk}/").json()
    assert (body["frame_count"], body["container_frame_count"], body["frame_count_mismatch"]) == (95, 98, True)
    listed = {c["id"]: c for c in coder_api.get(f"/api/projects/{clip.project_id}/clips/").json()}
    assert listed[clip.pk]["frame_count_mismatch"] is True

    assert get_frame(coder_api, clip.pk, 94).status_code == 200
    for beyond in (95, 97, 98):
        response = get_frame(coder_api, clip.pk, beyond)
        assert response.status_code == 404
        assert "outside the clip" in response.json()["detail"]

    job = clip.jobs.get()
    assert "container says 98 frames, decoder gave 95" in job.log


@pytest.mark.django_db
def test_a_clip_whose_header_is_honest_has_no_mismatch(sample_dir, import_clip, coder_api):
    clip = import_clip(sample_dir / "single_face.mp4")
    body = coder_api.get(f"/api/clips/{clip.pk}/").json()
    assert body["frame_count"] == body["container_frame_count"] == 72
    assert body["frame_count_mismatch"] is False


@pytest.mark.django_db
def test_only_frame_urls_naming_the_ingest_generation_are_cached_for_good(ready_clip, coder_api):
    generation = coder_api.get(f"/api/clips/{ready_clip.pk}/").json()["ingest_generation"]
    assert generation == ready_clip.ingest_generation == 1
    tagged = coder_api.get(f"/api/clips/{ready_clip.pk}/frames/0.jpg?g={generation}")
    assert tagged.status_code == 200
    assert "private" in tagged["Cache-Control"] and "immutable" in tagged["Cache-Control"]
    plain = get_frame(coder_api, ready_clip.pk, 0)
    assert plain.status_code == 200 and plain.content == tagged.content
    assert "private" in plain["Cache-Control"] and "immutable" not in plain["Cache-Control"]


@pytest.mark.django_db
def test_a_reingested_clip_never_answers_an_older_generation_with_its_new_frames(
        ready_clip, lead_api, coder_api, sample_dir):
    from annotator.services.storage import clip_source_path
    from tests.conftest import ingest_now

    old = ready_clip.ingest_generation
    clip_source_path(ready_clip).write_bytes((sample_dir / "WolfgangLanger_Pexels.mp4").read_bytes())
    assert lead_api.post(f"/clips/{ready_clip.pk}/retry/").status_code == 200
    ingest_now(ready_clip)
    assert ready_clip.status == ready_clip.Status.READY and ready_clip.ingest_generation == old + 1

    for kind in ("frames", "faces"):
        stale = coder_api.get(f"/api/clips/{ready_clip.pk}/{kind}/0.jpg?g={old}")
        assert stale.status_code == 404 and "immutable" not in stale.get("Cache-Control", "")
        assert "earlier ingest" in stale.json()["detail"]
    assert coder_api.get(f"/api/clips/{ready_clip.pk}/frames/0.jpg?g={old + 1}").status_code == 200
    page = coder_api.get(f"/clips/{ready_clip.pk}/")
    assert page.context["config"]["clip"]["ingest_generation"] == old + 1, "the workspace hands the viewer its generation"


@pytest.mark.django_db
def test_accel_redirect_names_the_file_inside_media_root(ready_clip, coder_api, settings):
    settings.MESTUDIO_ACCEL_REDIRECT_PREFIX = "/protected/"
    response = get_frame(coder_api, ready_clip.pk, 7)
    assert response.status_code == 200
    assert response.content == b""
    assert response["X-Accel-Redirect"] == f"/protected/clips/{ready_clip.pk}/frames/000007.jpg"


@pytest.mark.django_db
def test_frames_of_a_clip_that_is_not_ready_answer_404(project, subject, lead, coder_api, sample_dir):
    clip = clip_import_path(project=project, subject=subject, path=sample_dir / "single_face.mp4", created_by=lead,
                            align=False)
    assert clip.status == clip.Status.PENDING
    response = get_frame(coder_api, clip.pk, 0)
    assert response.status_code == 404
    assert "not ready" in response.json()["detail"]


@pytest.mark.django_db
def test_frame_endpoint_only_answers_get(ready_clip, coder_api):
    assert coder_api.post(f"/api/clips/{ready_clip.pk}/frames/0.jpg").status_code == 405
    assert coder_api.delete(f"/api/clips/{ready_clip.pk}/frames/0.jpg").status_code == 405
    assert get_frame(coder_api, ready_clip.pk, 0).status_code == 200
