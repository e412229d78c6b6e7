"""Frame folders and still images: frame N is the Nth image in natural order of the names."""

import hashlib

import cv2
import numpy as np
import pytest
from django.conf import settings

EXTENSIONS = (".jpg", ".png", ".bmp")
SIZE = (48, 64)  # height, width


def solid(index: int) -> tuple[int, int, int]:
    """A BGR colour far from every other index's colour."""
    return ((index * 97) % 256, (index * 53 + 40) % 256, 255 - (index * 71) % 256)


def write_image(path, colour) -> None:
    image = np.empty((*SIZE, 3), dtype=np.uint8)
    image[:] = colour
    assert cv2.imwrite(str(path), image)


@pytest.fixture
def frame_folder(tmp_path):
    """img1..img12 with mixed extensions, created in a shuffled order, each a distinct solid colour."""
    folder = tmp_path / "burst"
    folder.mkdir()
    for number in (7, 12, 1, 10, 2, 11, 3, 9, 4, 8, 5, 6):
        write_image(folder / f"img{number}{EXTENSIONS[number % 3]}", solid(number))
    (folder / "notes.txt").write_text("not a frame")
    (folder / "Thumbs.db").write_bytes(b"\x00" * 16)
    return folder


def served_image(client, clip_id: int, frame_id: int) -> np.ndarray:
    response = client.get(f"/api/clips/{clip_id}/frames/{frame_id}.jpg")
    assert response.status_code == 200, response.content[:200]
    return cv2.imdecode(np.frombuffer(response.content, dtype=np.uint8), cv2.IMREAD_COLOR)


def nearest_index(image: np.ndarray, candidates: range) -> int:
    mean = image.reshape(-1, 3).mean(axis=0)
    return min(candidates, key=lambda n: float(np.abs(mean - np.array(solid(n))).sum()))


def reference_jpeg(path) -> str:
    params = [int(cv2.IMWRITE_JPEG_QUALITY), int(settings.MESTUDIO_INGEST["JPEG_QUALITY"])]
    ok, encoded = cv2.imencode(".jpg", cv2.imread(str(path), cv2.IMREAD_COLOR), params)
    assert ok
    return hashlib.sha256(encoded.tobytes()).hexdigest()


@pytest.mark.django_db
def test_frame_folder_frames_follow_natural_order(frame_folder, import_clip, coder_api):
    clip = import_clip(frame_folder)
    assert clip.status == clip.Status.READY, clip.error
    assert clip.source_kind == clip.SourceKind.FRAMES
    assert clip.frame_count == 12
    assert (clip.width, clip.height) == (SIZE[1], SIZE[0])
    assert clip.fps == clip.project.default_fps  # a folder has no rate of its own

    shown = [nearest_index(served_image(coder_api, clip.pk, n), range(1, 13)) for n in range(12)]
    assert shown == list(range(1, 13))  # img1, img2, ... img10: not img1, img10, img11, img12, img2
    assert coder_api.get(f"/api/clips/{clip.pk}/frames/12.jpg").status_code == 404


@pytest.mark.django_db
def test_frame_folder_frames_are_byte_exact(frame_folder, import_clip, coder_api):
    clip = import_clip(frame_folder)
    for n in range(1, 13):
        source = frame_folder / f"img{n}{EXTENSIONS[n % 3]}"
        served = coder_api.get(f"/api/clips/{clip.pk}/frames/{n - 1}.jpg").content
        assert hashlib.sha256(served).hexdigest() == reference_jpeg(source), source.name


@pytest.mark.django_db
def test_frame_folder_with_explicit_fps(frame_folder, import_clip):
    clip = import_clip(frame_folder, fps=90.0)
    assert clip.status == clip.Status.READY, clip.error
    assert clip.fps == 90.0
    assert clip.duration_s == pytest.approx(12 / 90.0)


@pytest.mark.django_db
def test_frames_with_digits_in_the_prefix_sort_by_every_number(tmp_path, import_clip, coder_api):
    folder = tmp_path / "takes"
    folder.mkdir()
    names = ["s2_f10.png", "s2_f9.png", "s10_f1.png", "S2_F1.png"]
    for index, name in enumerate(names):
        write_image(folder / name, solid(index))
    clip = import_clip(folder)
    assert clip.status == clip.Status.READY, clip.error
    order = [nearest_index(served_image(coder_api, clip.pk, n), range(len(names))) for n in range(len(names))]
    # Case-insensitive, numbers compared as numbers: s2_f1, s2_f9, s2_f10, s10_f1.
    assert [names[i] for i in order] == ["S2_F1.png", "s2_f9.png", "s2_f10.png", "s10_f1.png"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["single_face.jpg", "Image_with_alpha.png"])
def test_a_still_image_is_a_one_frame_clip(name, sample_dir, import_clip, coder_api):
    clip = import_clip(sample_dir / name)
    assert clip.status == clip.Status.READY, clip.error
    assert clip.source_kind == clip.SourceKind.IMAGE
    assert clip.frame_count == 1
    reference = cv2.imread(str(sample_dir / name), cv2.IMREAD_COLOR)
    assert (clip.height, clip.width) == reference.shape[:2]

    response = coder_api.get(f"/api/clips/{clip.pk}/frames/0.jpg")
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == reference_jpeg(sample_dir / name)
    assert coder_api.get(f"/api/clips/{clip.pk}/frames/1.jpg").status_code == 404
