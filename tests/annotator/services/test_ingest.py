"""Bad input: each case fails its own clip with a message a person can act on, and touches nothing else."""

import hashlib
import html

import av
import numpy as np
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from annotator.media.framestore import FrameStore
from annotator.models import Clip, CodingEvent, EventRevision, Job
from annotator.services.clips import clip_reingest
from annotator.services.storage import clip_source_path
from tests.conftest import api_client_for, ingest_now


@pytest.fixture
def bystander(ready_clip, coder_api):
    """A ready clip with a saved event; whatever goes wrong elsewhere must leave both exactly as they are."""
    response = coder_api.post(
        f"/api/clips/{ready_clip.pk}/events/",
        {"onset": 10, "apex": 14, "offset": 20, "emotion": "happiness", "aus": [{"number": 12, "side": "R"}]},
        format="json",
    )
    assert response.status_code == 201, response.content
    event = CodingEvent.objects.get(pk=response.json()["id"])
    frames = {n: hashlib.sha256(coder_api.get(f"/api/clips/{ready_clip.pk}/frames/{n}.jpg").content).hexdigest()
              for n in (0, 36, 71)}

    def assert_untouched():
        clip = Clip.objects.get(pk=ready_clip.pk)
        assert (clip.status, clip.frame_count, clip.error) == (Clip.Status.READY, 72, "")
        for n, digest in frames.items():
            served = coder_api.get(f"/api/clips/{ready_clip.pk}/frames/{n}.jpg")
            assert served.status_code == 200
            assert hashlib.sha256(served.content).hexdigest() == digest
        saved = CodingEvent.objects.get(pk=event.pk)
        assert (saved.version, saved.onset, saved.apex, saved.offset, saved.emotion, saved.aus) == (
            event.version, event.onset, event.apex, event.offset, event.emotion, event.aus)
        assert EventRevision.objects.filter(event_id_value=event.pk).count() == 1

    return assert_untouched


def assert_failed_cleanly(clip, client, *, expected: str, with_job: bool = True):
    """The clip is failed with `expected` in its message, everywhere a person looks; no 500 anywhere."""
    clip.refresh_from_db()
    assert clip.status == Clip.Status.FAILED
    assert expected in clip.error, clip.error
    body = client.get(f"/api/clips/{clip.pk}/")
    assert body.status_code == 200
    assert (body.json()["status"], body.json()["error"]) == ("failed", clip.error)
    assert client.get(f"/api/clips/{clip.pk}/frames/0.jpg").status_code == 404
    assert not list(FrameStore(settings.MEDIA_ROOT, clip.pk).frames_dir.glob("*.jpg"))
    page = client.get(f"/projects/{clip.project_id}/")
    assert page.status_code == 200
    assert expected in html.unescape(page.content.decode())
    jobs = Job.objects.filter(clip=clip)
    if with_job:
        job = jobs.get()
        assert job.status == Job.Status.FAILED
        assert job.error == clip.error
        api_job = api_client_for(job.created_by).get(f"/api/jobs/{job.pk}/")  # a job is its starter's to read
        assert api_job.status_code == 200
        assert api_job.json()["status"] == "failed"
    else:
        assert not jobs.exists()


def write_video(path, *, frames: int, size=(48, 64), fmt: str, codec: str) -> None:
    """A small synthetic video; .ts and .mkv headers carry no frame count."""
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=25)
        stream.height, stream.width = size
        stream.pix_fmt = "yuv420p"
        for index in range(frames):
            image = np.full((*size, 3), (index * 5) % 256, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


@pytest.mark.django_db
def test_a_text_file_named_mp4_fails(tmp_path, import_clip, coder_api, bystander):
    path = tmp_path / "notes.mp4"
    path.write_text("subject S01 smiled at 00:12\n" * 50)
    clip = import_clip(path)
    assert_failed_cleanly(clip, coder_api, expected="not a video FFmpeg can read")
    bystander()


@pytest.mark.django_db
def test_an_empty_file_fails(tmp_path, import_clip, coder_api, bystander):
    path = tmp_path / "empty.mp4"
    path.touch()
    clip = import_clip(path)
    assert_failed_cleanly(clip, coder_api, expected="The file is empty (0 bytes).")
    bystander()


@pytest.mark.django_db
@pytest.mark.parametrize(("fraction", "decoded"), [
    pytest.param(0.3, 137, id="decode-error-mid-stream"),  # FFmpeg reports invalid data after frame 137
    pytest.param(0.6, 288, id="quiet-end-of-file"),  # the file just ends: 288 of the 472 indexed packets
])
def test_a_truncated_video_keeps_its_frames_and_says_so(fraction, decoded, tmp_path, sample_dir, import_clip,
                                                        coder_api, bystander):
    data = (sample_dir / "WolfgangLanger_Pexels.mp4").read_bytes()
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[: int(len(data) * fraction)])
    clip = import_clip(path)
    clip.refresh_from_db()
    assert (clip.status, clip.error) == (Clip.Status.READY, "")
    assert (clip.frame_count, clip.container_frame_count, clip.truncated) == (decoded, 472, True)
    note = f"This clip was truncated: {decoded} of 472 frames could be decoded."
    assert clip.truncation_note == note
    body = coder_api.get(f"/api/clips/{clip.pk}/").json()
    assert (body["truncated"], body["frame_count_mismatch"]) == (True, True)
    assert coder_api.get(f"/api/clips/{clip.pk}/frames/{decoded - 1}.jpg").status_code == 200
    assert coder_api.get(f"/api/clips/{clip.pk}/frames/{decoded}.jpg").status_code == 404
    assert note in Job.objects.get(clip=clip).log

    workspace = html.unescape(coder_api.get(f"/clips/{clip.pk}/").content.decode())
    assert f'id="truncation-note" role="note">{note}</span>' in workspace
    clip_list = html.unescape(coder_api.get(f"/projects/{clip.project_id}/").content.decode())
    row = clip_list[clip_list.index(f'data-clip="{clip.pk}"'):]
    row = row[: row.index("</tr>")]
    assert f'title="{note}">truncated: container says 472</span>' in row
    bystander()


@pytest.mark.django_db
def test_a_header_that_overcounts_is_not_called_truncated(sample_dir, import_clip, coder_api):
    """no_face.mp4 holds all 98 packets its index declares, of which the decoder makes 95 frames."""
    clip = import_clip(sample_dir / "no_face.mp4")
    assert (clip.status, clip.frame_count, clip.container_frame_count) == (Clip.Status.READY, 95, 98)
    assert (clip.truncated, clip.truncation_note) == (False, "")
    assert "truncation-note" not in coder_api.get(f"/clips/{clip.pk}/").content.decode()


@pytest.mark.django_db
def test_a_file_damaged_before_its_first_frame_still_fails(tmp_path, sample_dir, import_clip, coder_api, bystander):
    data = (sample_dir / "single_face.mp4").read_bytes()  # its index is at the end: cut, nothing is decodable
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[: len(data) // 2])
    clip = import_clip(path)
    assert_failed_cleanly(clip, coder_api, expected="not a video FFmpeg can read")
    bystander()


@pytest.mark.django_db
def test_resolution_over_the_limit_fails(settings, sample_dir, import_clip, coder_api, bystander):
    settings.MESTUDIO_INGEST = {**settings.MESTUDIO_INGEST, "MAX_WIDTH": 320}
    clip = import_clip(sample_dir / "WolfgangLanger_Pexels.mp4")
    assert_failed_cleanly(clip, coder_api, expected="Resolution 640x360 is over this server's limit of 320x")
    bystander()


@pytest.mark.django_db
def test_height_over_the_limit_fails_for_a_still_image(settings, sample_dir, import_clip, coder_api):
    settings.MESTUDIO_INGEST = {**settings.MESTUDIO_INGEST, "MAX_HEIGHT": 100}
    clip = import_clip(sample_dir / "single_face.jpg")
    assert_failed_cleanly(clip, coder_api, expected="over this server's limit")


@pytest.mark.django_db
def test_frame_count_over_the_limit_fails(settings, sample_dir, import_clip, coder_api, bystander):
    settings.MESTUDIO_INGEST = {**settings.MESTUDIO_INGEST, "MAX_FRAMES": 50}
    clip = import_clip(sample_dir / "single_face.mp4")
    assert_failed_cleanly(clip, coder_api, expected="The clip has 72 frames, over this server's limit of 50.")
    bystander()


@pytest.mark.django_db
def test_frame_count_limit_holds_when_the_container_does_not_declare_one(settings, tmp_path, import_clip, coder_api,
                                                                         bystander):
    path = tmp_path / "stream.ts"
    write_video(path, frames=40, fmt="mpegts", codec="mpeg2video")
    settings.MESTUDIO_INGEST = {**settings.MESTUDIO_INGEST, "MAX_FRAMES": 25}
    clip = import_clip(path)
    assert_failed_cleanly(clip, coder_api, expected="more than 25 frames, this server's limit")
    bystander()


@pytest.mark.django_db
def test_a_container_without_a_frame_count_ingests_what_decodes(tmp_path, import_clip, coder_api):
    path = tmp_path / "take.mkv"
    write_video(path, frames=30, fmt="matroska", codec="mpeg4")
    clip = import_clip(path)
    assert clip.status == Clip.Status.READY, clip.error
    assert (clip.frame_count, clip.container_frame_count, clip.frame_count_mismatch) == (30, None, False)
    assert clip.fps == pytest.approx(25.0)
    assert coder_api.get(f"/api/clips/{clip.pk}/frames/29.jpg").status_code == 200


@pytest.mark.django_db
def test_a_video_with_no_video_stream_fails(tmp_path, import_clip, coder_api, bystander):
    path = tmp_path / "voice.mkv"
    with av.open(str(path), "w", format="matroska") as container:
        stream = container.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 800), dtype=np.int16), format="s16", layout="mono")
        frame.sample_rate = 8000
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    clip = import_clip(path)
    assert_failed_cleanly(clip, coder_api, expected="no video stream")
    bystander()


@pytest.mark.django_db
def test_an_empty_folder_fails_at_import(tmp_path, import_clip, coder_api, bystander):
    folder = tmp_path / "empty"
    folder.mkdir()
    clip = import_clip(folder)
    assert clip.source_kind == Clip.SourceKind.FRAMES
    assert_failed_cleanly(clip, coder_api, expected="holds no .jpg, .png or .bmp images", with_job=False)
    bystander()


@pytest.mark.django_db
def test_a_folder_of_non_images_fails_at_import(tmp_path, sample_dir, import_clip, coder_api, bystander):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "001.csv").write_bytes((sample_dir / "001.csv").read_bytes())
    (folder / "clip.mp4").write_bytes((sample_dir / "single_face.mp4").read_bytes())
    (folder / "sub").mkdir()
    (folder / "sub" / "img1.jpg").write_bytes((sample_dir / "single_face.jpg").read_bytes())  # not recursed into
    clip = import_clip(folder)
    assert_failed_cleanly(clip, coder_api, expected="holds no .jpg, .png or .bmp images", with_job=False)
    bystander()


@pytest.mark.django_db
def test_a_folder_with_a_corrupt_jpeg_fails(tmp_path, sample_dir, import_clip, coder_api, bystander):
    folder = tmp_path / "burst"
    folder.mkdir()
    still = (sample_dir / "single_face.jpg").read_bytes()
    (folder / "img1.jpg").write_bytes(still)
    (folder / "img2.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
    (folder / "img3.jpg").write_bytes(still)
    clip = import_clip(folder)
    assert_failed_cleanly(clip, coder_api, expected="cannot be read as JPEG, PNG or BMP")
    bystander()


@pytest.mark.django_db
def test_a_folder_of_mixed_sizes_fails(tmp_path, sample_dir, import_clip, coder_api):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "a1.jpg").write_bytes((sample_dir / "single_face.jpg").read_bytes())
    (folder / "a2.jpg").write_bytes((sample_dir / "multi_face.jpg").read_bytes())
    clip = import_clip(folder)
    assert_failed_cleanly(clip, coder_api, expected="all frames of a clip must share one size")


@pytest.mark.django_db
def test_a_missing_path_fails_at_import(tmp_path, import_clip, coder_api, bystander):
    clip = import_clip(tmp_path / "gone.mp4")
    assert_failed_cleanly(clip, coder_api, expected="The source cannot be read", with_job=False)
    bystander()


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "content", "expected"), [
    ("notes.mp4", b"just text, not a video\n" * 20, "not a video FFmpeg can read"),
    ("renamed.mov", (b"\x00\x00\x00\x18ftypqt  " + b"\x00" * 64), "not a video FFmpeg can read"),
    ("broken.png", b"\x89PNG\r\n\x1a\n but nothing after", "cannot be read as JPEG, PNG or BMP"),
])
def test_bad_uploads_fail_their_clip_through_the_api(name, content, expected, coder_api, project, bystander):
    response = coder_api.post(f"/api/projects/{project.pk}/clips/",
                              {"subject": "S01", "files": [SimpleUploadedFile(name, content)]}, format="multipart")
    assert response.status_code == 202, response.content
    clip = Clip.objects.get(pk=response.json()[0]["id"])
    ingest_now(clip)
    assert_failed_cleanly(clip, coder_api, expected=expected)
    bystander()


@pytest.mark.django_db
def test_an_empty_upload_is_refused_at_the_door(coder_api, project, bystander):
    response = coder_api.post(f"/api/projects/{project.pk}/clips/",
                              {"subject": "S01", "files": [SimpleUploadedFile("empty.mp4", b"")]}, format="multipart")
    assert response.status_code == 400
    assert "empty" in str(response.json()["files"])
    assert Clip.objects.count() == 1  # the bystander only
    bystander()


@pytest.mark.django_db
def test_a_failed_clip_ingests_after_its_source_is_fixed(tmp_path, sample_dir, import_clip, coder_api):
    path = tmp_path / "late.mp4"
    path.write_bytes(b"")
    clip = import_clip(path)
    assert clip.status == Clip.Status.FAILED
    clip_source_path(clip).write_bytes((sample_dir / "single_face.mp4").read_bytes())
    clip_reingest(clip=clip, created_by=None)
    ingest_now(clip)
    assert (clip.status, clip.error, clip.frame_count) == (Clip.Status.READY, "", 72)
    assert Job.objects.filter(clip=clip).count() == 2
