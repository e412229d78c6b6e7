"""Playlists, concat lists and URLs never reach another project's video.

The target is a real video stored as another project's clip source (WolfgangLanger_Pexels.mp4: its
index comes first, so FFmpeg's HLS demuxer reads it as a segment, and an unguarded ingest made a ready
clip of its 472 frames). Every variant must end as a failed clip with a message that names the accepted
formats, and with no frame at all.
"""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from annotator.media.errors import IngestError
from annotator.media.framestore import FrameStore
from annotator.media.sources import open_video_container
from annotator.models import Clip
from annotator.services.clips import clip_import_path
from annotator.services.storage import clip_source_path
from tests.conftest import ingest_now

ACCEPTED = "MP4/MOV, Matroska/WebM, AVI, MPEG-TS"
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def target(other_project, outsider, sample_dir):
    """Another project's stored source, which nobody in `project` may see."""
    other, subject = other_project
    clip = clip_import_path(project=other, subject=subject, path=sample_dir / "WolfgangLanger_Pexels.mp4",
                            created_by=outsider, align=False)
    path = clip_source_path(clip)
    assert path.is_file() and path.stat().st_size > 100_000
    return clip, path


def hls(line: str) -> str:
    return f"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:20\n#EXTINF:20.0,\n{line}\n#EXT-X-ENDLIST\n"


def variants(target_clip: Clip, target_path: Path) -> dict[str, str]:
    """file name -> content; each line names the target from where the uploaded source will be stored."""
    relative = f"../../{target_clip.pk}/source/{target_path.name}"
    return {
        "relative.m3u8": hls(relative),
        "absolute.m3u8": hls(str(target_path)),
        "file-url.m3u8": hls(f"file:{target_path}"),
        "playlist.m3u": hls(relative),
        "hls-content.mp4": hls(relative),
        "concat.mp4": f"ffconcat version 1.0\nfile '{target_path}'\n",
    }


VARIANTS = ["relative.m3u8", "absolute.m3u8", "file-url.m3u8", "playlist.m3u", "hls-content.mp4", "concat.mp4"]


def assert_refused_without_frames(clip: Clip, client) -> None:
    clip.refresh_from_db()
    assert clip.status == Clip.Status.FAILED, f"{clip.name} became {clip.status} with {clip.frame_count} frames"
    assert ACCEPTED in clip.error, clip.error
    assert clip.frame_count == 0
    assert not list(FrameStore(settings.MEDIA_ROOT, clip.pk).frames_dir.glob("*.jpg"))
    assert client.get(f"/api/clips/{clip.pk}/frames/0.jpg").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("name", VARIANTS)
def test_a_playlist_upload_fails_and_reads_nothing_of_another_project(name, target, coder_api, project):
    target_clip, target_path = target
    before = target_path.read_bytes()
    content = variants(target_clip, target_path)[name].encode()
    response = coder_api.post(f"/api/projects/{project.pk}/clips/",
                              {"subject": "S01", "files": [SimpleUploadedFile(name, content)]}, format="multipart")
    assert response.status_code == 202, response.content
    clip = Clip.objects.get(pk=response.json()[0]["id"])
    ingest_now(clip)
    assert_refused_without_frames(clip, coder_api)
    assert coder_api.get(f"/api/clips/{clip.pk}/").json()["status"] == "failed"
    assert target_path.read_bytes() == before


@pytest.mark.django_db
@pytest.mark.parametrize("name", VARIANTS)
def test_a_playlist_import_fails_and_reads_nothing_of_another_project(name, target, coder_api, project, tmp_path):
    target_clip, target_path = target
    path = tmp_path / name
    path.write_text(variants(target_clip, target_path)[name])
    out = StringIO()
    call_command("import_clips", str(path), "--project", project.name, "--subject", "S01", "--no-align",
                 "--user", "lead", stdout=out, stderr=StringIO())
    clip = Clip.objects.get(project=project)
    ingest_now(clip)
    assert_refused_without_frames(clip, coder_api)


@pytest.mark.parametrize("name", VARIANTS)
def test_the_opener_refuses_each_variant_under_its_own_name(name, sample_dir, tmp_path):
    """Stored names are the server's, but the opener must hold even when a name invites a playlist demuxer."""
    store = tmp_path / "clips"
    target_path = store / "3" / "source" / "video.mp4"
    target_path.parent.mkdir(parents=True)
    target_path.write_bytes((sample_dir / "WolfgangLanger_Pexels.mp4").read_bytes())
    source = store / "9" / "source" / name
    source.parent.mkdir(parents=True)
    source.write_text(variants(Clip(pk=3), target_path)[name])
    with pytest.raises(IngestError, match=re.escape(ACCEPTED)):
        open_video_container(source)


def test_every_ffmpeg_and_opencv_video_open_goes_through_the_guarded_opener():
    """av.open and cv2.VideoCapture appear only inside open_video_container (tests write their own files)."""
    pattern = re.compile(r"\bav\.open\(|cv2\.VideoCapture\(|\bVideoCapture\(")
    offenders = []
    for folder in ("annotator", "mlbackend", "plugins"):
        for path in (REPO / folder).rglob("*.py"):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if pattern.search(line):
                    offenders.append(f"{path.relative_to(REPO)}:{number}")
    assert offenders == ["annotator/media/sources.py:" + str(opener_line())]


def opener_line() -> int:
    lines = (REPO / "annotator" / "media" / "sources.py").read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if "av.open(" in line)
