"""Face alignment: mediapipe landmarks per frame, one eye-line transform per clip, crops served like frames."""

import cv2
import numpy as np
import pytest
from django.conf import settings

from annotator.media.framestore import FrameStore


def landmarks_of(clip) -> np.ndarray:
    return np.load(FrameStore(settings.MEDIA_ROOT, clip.pk).landmarks_path)


def face_image(client, clip_id: int, frame_id: int):
    return client.get(f"/api/clips/{clip_id}/faces/{frame_id}.jpg")


@pytest.mark.django_db
def test_single_face_video_is_aligned_with_mediapipe(sample_dir, import_clip, coder_api):
    clip = import_clip(sample_dir / "single_face.mp4", align=True)
    assert clip.status == clip.Status.READY, clip.error
    assert clip.face_status == clip.FaceStatus.READY
    assert clip.face_method == "mediapipe"

    landmarks = landmarks_of(clip)
    assert landmarks.shape == (72, 468, 2)
    found = ~np.isnan(landmarks[:, 0, 0])
    assert clip.face_frame_count == int(found.sum()) > 0
    points = landmarks[found]
    assert np.all((points[..., 0] >= -clip.width * 0.1) & (points[..., 0] <= clip.width * 1.1))
    assert np.all((points[..., 1] >= -clip.height * 0.1) & (points[..., 1] <= clip.height * 1.1))

    size = settings.MESTUDIO_INGEST["FACE_SIZE"]
    for frame_id in (0, 35, 71):
        response = face_image(coder_api, clip.pk, frame_id)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        crop = cv2.imdecode(np.frombuffer(response.content, dtype=np.uint8), cv2.IMREAD_COLOR)
        assert crop.shape == (size, size, 3)
        assert crop.std() > 10  # a face, not the constant border of a transform pointing elsewhere
    assert face_image(coder_api, clip.pk, 72).status_code == 404

    # The reference frame's eyes land where the transform promises: on one horizontal line.
    meta = FrameStore(settings.MEDIA_ROOT, clip.pk).read_meta()["faces"]
    matrix = np.array(meta["matrix"])
    reference = landmarks[meta["reference_frame"]]
    right_eye = reference[[33, 133]].mean(axis=0)
    left_eye = reference[[362, 263]].mean(axis=0)
    mapped = [matrix @ np.append(point, 1.0) for point in (right_eye, left_eye)]
    assert abs(mapped[0][1] - mapped[1][1]) < 1.0
    assert 0 < mapped[0][0] < mapped[1][0] < size

    job = clip.jobs.get()
    assert job.status == job.Status.SUCCEEDED
    assert "faces: ready by mediapipe" in job.log


@pytest.mark.django_db
def test_frames_without_a_face_keep_their_place_as_nan(sample_dir, import_clip, coder_api):
    clip = import_clip(sample_dir / "face_noface.mov", align=True)
    assert clip.status == clip.Status.READY, clip.error
    assert clip.frame_count == 169
    assert clip.face_status == clip.FaceStatus.READY

    landmarks = landmarks_of(clip)
    assert landmarks.shape == (169, 468, 2)  # one row per decoded frame: none dropped
    missing = np.isnan(landmarks).all(axis=(1, 2))
    partial = np.isnan(landmarks).any(axis=(1, 2)) & ~missing
    assert missing.any(), "the face leaves the picture in this clip"
    assert (~missing).any()
    assert not partial.any(), "a frame has either a whole mesh or none"
    assert clip.face_frame_count == int((~missing).sum())

    # The crop follows the clip's single transform, so frames without landmarks still have a crop.
    for frame_id in (int(np.flatnonzero(missing)[0]), int(np.flatnonzero(~missing)[0])):
        assert face_image(coder_api, clip.pk, frame_id).status_code == 200


@pytest.mark.django_db
def test_a_clip_without_a_face_has_no_crops(sample_dir, import_clip, coder_api):
    clip = import_clip(sample_dir / "no_face.mp4", align=True)
    assert clip.status == clip.Status.READY, clip.error  # frames are still there to code
    assert clip.face_status == clip.FaceStatus.NO_FACE
    assert clip.face_frame_count == 0
    assert np.isnan(landmarks_of(clip)).all()

    assert coder_api.get(f"/api/clips/{clip.pk}/frames/0.jpg").status_code == 200
    response = face_image(coder_api, clip.pk, 0)
    assert response.status_code == 404
    assert response.json()["detail"] == "No aligned face for this frame."
    assert coder_api.get(f"/api/clips/{clip.pk}/").json()["face_status"] == "no_face"


@pytest.mark.django_db
def test_alignment_off_leaves_no_crops(sample_dir, import_clip, coder_api):
    clip = import_clip(sample_dir / "single_face.mp4", align=False)
    assert clip.status == clip.Status.READY
    assert clip.face_status == clip.FaceStatus.SKIPPED
    assert not FrameStore(settings.MEDIA_ROOT, clip.pk).landmarks_path.exists()
    assert face_image(coder_api, clip.pk, 0).status_code == 404
