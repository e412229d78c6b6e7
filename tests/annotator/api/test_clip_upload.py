"""POST /api/projects/<id>/clips/: uploads become clips stored under integer names inside MEDIA_ROOT only."""

import re
import unicodedata
import uuid
from pathlib import Path

import cv2
import numpy as np
import pytest

from annotator.models import Clip, Job
from annotator.services.storage import clip_source_path
from tests.conftest import ingest_now

# What the store may hold: clips/<int>/source/{video,image}[.ext] or source/frames/<6 digits>.ext, plus derived files.
STORED = re.compile(
    r"^clips/\d+/(source/(video|image)(\.[a-z0-9]{1,5})?|source/frames/\d{6}\.(jpg|jpeg|png|bmp)"
    r"|frames/\d{6}\.jpg|faces/\d{6}\.jpg|meta\.json|landmarks\.npy)$"
)


def multipart(fields: dict, files: list[tuple[bytes, bytes]]) -> tuple[bytes, str]:
    """Build the body by hand: the test client would strip directories from file names before the server sees them.

    `files` holds (raw Content-Disposition parameters after `name="files"; `, content).
    """
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for disposition, content in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '.encode() + disposition
            + b"\r\nContent-Type: application/octet-stream\r\n\r\n" + content + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def post_raw(client, project, fields: dict, files: list[tuple[bytes, bytes]]):
    body, content_type = multipart(fields, files)
    return client.generic("POST", f"/api/projects/{project.pk}/clips/", body, content_type=content_type)


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


@pytest.fixture
def nested_media_root(settings, tmp_path):
    """MEDIA_ROOT two levels down, so an escaping '../../x' would still land inside tmp_path where we can see it."""
    settings.MEDIA_ROOT = tmp_path / "srv" / "data" / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def video_bytes(sample_dir) -> bytes:
    return (sample_dir / "single_face.mp4").read_bytes()


@pytest.mark.django_db
def test_upload_answers_202_with_the_clips_and_queues_an_ingest_each(coder_api, project, sample_dir):
    with open(sample_dir / "single_face.mp4", "rb") as first, open(sample_dir / "no_face.mp4", "rb") as second:
        response = coder_api.post(
            f"/api/projects/{project.pk}/clips/", {"subject": "S02", "files": [first, second], "fps": "100"},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    body = response.json()
    assert sorted(c["name"] for c in body) == ["no_face.mp4", "single_face.mp4"]
    assert {c["subject"] for c in body} == {"S02"}
    assert {c["status"] for c in body} == {"pending"}
    assert {c["fps"] for c in body} == {100.0}
    for item in body:
        job = Job.objects.get(clip_id=item["id"])
        assert job.status == Job.Status.QUEUED
        assert job.kind == "ingest"
    assert project.subjects.filter(code="S02").exists()

    clip = Clip.objects.get(pk=next(c["id"] for c in body if c["name"] == "single_face.mp4"))
    ingest_now(clip)
    assert clip.status == Clip.Status.READY
    assert clip.frame_count == 72
    assert clip.fps == 100.0  # the override wins over the container's 30 fps
    assert coder_api.get(f"/api/clips/{clip.pk}/frames/71.jpg").status_code == 200


HOSTILE_NAMES = [
    pytest.param(b'filename="../../etc/passwd.mp4"', "passwd.mp4", id="dot-dot-slash"),
    pytest.param(b'filename="..\\\\..\\\\windows\\\\evil.mp4"', "evil.mp4", id="backslashes"),
    pytest.param(b"filename*=UTF-8''..%2F..%2F..%2Fetc%2Fcron.d%2Fx.mp4", "x.mp4", id="rfc2231-encoded-slashes"),
    pytest.param(b'filename="&#x2e;&#x2e;&#x2f;&#x2e;&#x2e;&#x2f;up.mp4"', "up.mp4", id="html-entities"),
    pytest.param(b"filename*=UTF-8''a%0Ab%0D%0Ac%09d.mp4", "abcd.mp4", id="newlines-tabs"),
    pytest.param(b"filename*=UTF-8''%3Cscript%3Ealert(1)%3C%2Fscript%3E.mp4", "script>.mp4", id="script-tag"),
    pytest.param(b"filename*=UTF-8''quote%22%27name.mp4", "quote\"'name.mp4", id="quotes"),
    pytest.param(
        "filename*=UTF-8''{}".format("Proband%C3%ADn%20%E9%A1%94%20Zo%C3%AB.mp4").encode(), "Probandín 顔 Zoë.mp4",
        id="unicode",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("disposition", "expected_name"), HOSTILE_NAMES)
def test_hostile_file_names_are_stored_under_integer_names_inside_media_root(
    disposition, expected_name, coder_api, project, nested_media_root, tmp_path, video_bytes
):
    before = files_under(tmp_path)
    response = post_raw(coder_api, project, {"subject": "S01"}, [(disposition, video_bytes)])
    assert response.status_code == 202, response.content
    (item,) = response.json()
    clip = Clip.objects.get(pk=item["id"])

    assert clip.name == item["name"] == expected_name
    assert "/" not in clip.name and "\\" not in clip.name
    assert not any(unicodedata.category(ch).startswith("C") for ch in clip.name)

    created = files_under(tmp_path) - before
    assert created, "the upload was not stored at all"
    for path in created:
        assert path.is_relative_to(nested_media_root), f"{path} written outside MEDIA_ROOT"
        relative = path.relative_to(nested_media_root).as_posix()
        assert STORED.match(relative), relative
        assert relative.startswith(f"clips/{clip.pk}/")
    assert (nested_media_root / "clips" / str(clip.pk) / "source" / "video.src").read_bytes() == video_bytes


@pytest.mark.django_db
def test_ingest_of_an_escaping_name_writes_only_inside_media_root(coder_api, project, nested_media_root, tmp_path,
                                                                   video_bytes):
    before = files_under(tmp_path)
    response = post_raw(coder_api, project, {"subject": "S01"}, [(b'filename="../../../etc/passwd.mp4"', video_bytes)])
    assert response.status_code == 202, response.content
    clip = Clip.objects.get(pk=response.json()[0]["id"])
    ingest_now(clip)
    assert clip.status == Clip.Status.READY, clip.error
    created = files_under(tmp_path) - before
    assert len(created) > clip.frame_count  # the source, every frame, meta.json
    for path in created:
        assert path.is_relative_to(nested_media_root), f"{path} written outside MEDIA_ROOT"
        assert STORED.match(path.relative_to(nested_media_root).as_posix())


@pytest.mark.django_db
def test_a_name_that_is_only_dots_is_refused_not_stored(coder_api, project, nested_media_root, tmp_path, video_bytes):
    before = files_under(tmp_path)
    response = post_raw(coder_api, project, {"subject": "S01"}, [(b'filename=".."', video_bytes)])
    assert response.status_code == 400
    assert files_under(tmp_path) == before
    assert not Clip.objects.exists()


@pytest.mark.django_db
def test_a_raw_newline_that_breaks_the_part_header_is_not_a_500(coder_api, project, nested_media_root, tmp_path,
                                                                 video_bytes):
    before = files_under(tmp_path)
    response = post_raw(coder_api, project, {"subject": "S01"}, [(b'filename="a\r\nX-Evil: 1\r\nb.mp4"', video_bytes)])
    # The parser ends the header at the line break: the name is cut there, the rest of the part is ignored.
    assert response.status_code == 202, response.content
    clip = Clip.objects.get()
    assert "\n" not in clip.name and "\r" not in clip.name and "X-Evil" not in clip.name
    created = files_under(tmp_path) - before
    assert created
    for path in created:
        assert path.is_relative_to(nested_media_root)
        assert STORED.match(path.relative_to(nested_media_root).as_posix())


@pytest.mark.django_db
def test_the_stored_name_is_the_servers_and_the_content_decides(coder_api, project, video_bytes):
    response = post_raw(coder_api, project, {"subject": "S01"}, [(b'filename="clip.mp4;rm -rf ~"', video_bytes)])
    assert response.status_code == 202, response.content
    clip = Clip.objects.get(pk=response.json()[0]["id"])
    assert clip_source_path(clip).name == "video.src"
    ingest_now(clip)
    assert clip.status == Clip.Status.READY, clip.error
    assert clip.frame_count == 72


@pytest.mark.django_db
def test_long_names_are_cut_for_display(coder_api, project, video_bytes):
    long_name = ("x" * 400 + ".mp4").encode()
    response = post_raw(coder_api, project, {"subject": "S01"}, [(b'filename="' + long_name + b'"', video_bytes)])
    assert response.status_code == 202, response.content
    clip = Clip.objects.get(pk=response.json()[0]["id"])
    assert len(clip.name) == 200
    assert clip_source_path(clip).name == "video.src"


def solid_image(value: int, ext: str) -> bytes:
    ok, encoded = cv2.imencode(ext, np.full((32, 40, 3), value, dtype=np.uint8))
    assert ok
    return encoded.tobytes()


@pytest.mark.django_db
def test_a_frame_folder_upload_is_one_clip_in_natural_order(coder_api, project):
    shades = {"img1.png": 20, "img2.bmp": 110, "img10.jpg": 220}
    # Sent out of order; natural order is img1, img2, img10 (a plain string sort would put img10 second).
    files = [(f'filename="{name}"'.encode(), solid_image(shades[name], name[-4:]))
             for name in ("img10.jpg", "img2.bmp", "img1.png")]
    response = post_raw(coder_api, project, {"subject": "S01", "as_frame_folder": "true", "folder_name": "burst"},
                        files)
    assert response.status_code == 202, response.content
    (item,) = response.json()
    assert (item["name"], item["source_kind"], item["fps"]) == ("burst", "frames", project.default_fps)

    clip = Clip.objects.get(pk=item["id"])
    ingest_now(clip)
    assert (clip.status, clip.frame_count) == (Clip.Status.READY, 3)
    for frame_id, name in enumerate(("img1.png", "img2.bmp", "img10.jpg")):
        body = coder_api.get(f"/api/clips/{clip.pk}/frames/{frame_id}.jpg").content
        served = cv2.imdecode(np.frombuffer(body, dtype=np.uint8), cv2.IMREAD_COLOR)
        assert abs(float(served.mean()) - shades[name]) < 3, (frame_id, name)


@pytest.mark.django_db
def test_a_frame_folder_refuses_files_that_are_not_images(coder_api, project, video_bytes, sample_dir):
    still = (sample_dir / "single_face.jpg").read_bytes()
    response = post_raw(
        coder_api, project, {"subject": "S01", "as_frame_folder": "true"},
        [(b'filename="img1.jpg"', still), (b'filename="movie.mp4"', video_bytes)],
    )
    assert response.status_code == 400, response.content
    assert "movie.mp4" in response.json()["files"][0]
    assert not Clip.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"subject": "S01"}, "files"),
        ({"subject": "S01", "fps": "0"}, "fps"),
        ({"subject": "S01", "fps": "fast"}, "fps"),
        ({"subject": "Max Mustermann"}, "code"),
        ({"subject": "../S01"}, "code"),
        ({}, "subject"),
    ],
)
def test_bad_upload_fields_answer_400_naming_the_field(fields, field, coder_api, project, video_bytes):
    files = [] if field == "files" else [(b'filename="a.mp4"', video_bytes)]
    response = post_raw(coder_api, project, fields, files)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Clip.objects.exists()


@pytest.mark.django_db
def test_a_viewer_cannot_upload(viewer, api_for, project, video_bytes):
    response = post_raw(api_for(viewer), project, {"subject": "S01"}, [(b'filename="a.mp4"', video_bytes)])
    assert response.status_code == 403
    assert not Clip.objects.exists()
