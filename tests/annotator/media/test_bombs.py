"""Decompression bombs: a ~110 KB PNG that declares 30000 x 30000 pixels is refused from its header.

Decoded, it would be a 2.7 GB BGR array. The proof that nothing was decoded is the process's peak
resident memory (VmHWM, reset through /proc/self/clear_refs before the ingest), which must stay far
below the size of that array.
"""

import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from annotator.media.errors import IngestError
from annotator.media.framestore import FrameStore
from annotator.media.sources import Limits, image_size, open_source
from annotator.models import Clip
from tests.conftest import ingest_now

SIDE = 30_000
DECODED_BYTES = SIDE * SIDE * 3
HEADROOM = 400 * 2**20  # what an ingest may add to the peak; the decoded bomb would add 2.7 GB


def png_bomb(width: int = SIDE, height: int = SIDE) -> bytes:
    """A valid 1-bit greyscale PNG of zeros: every row compresses to almost nothing."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = png_bomb()
    assert len(data) < 150_000
    return data


def memory_kb(field: str) -> int:
    line = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith(field))
    return int(line.split()[1])


class PeakMemory:
    """The growth of this process's peak RSS over a block, from a fresh high-water mark."""

    def __enter__(self):
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        self.start = memory_kb("VmHWM") * 1024
        return self

    def __exit__(self, *exc):
        self.growth = memory_kb("VmHWM") * 1024 - self.start
        return False


LIMITS = Limits(max_width=4096, max_height=4096, max_frames=10)


def test_the_header_gives_the_size_and_the_limit_refuses_it(tmp_path):
    """13000 x 13000 is under Pillow's own refusal: this server's limit is what stops it."""
    path = tmp_path / "large.png"
    path.write_bytes(png_bomb(13_000, 13_000))
    assert image_size(path, Limits(max_width=20_000, max_height=20_000, max_frames=1)) == (13_000, 13_000)
    with pytest.raises(IngestError, match="Resolution 13000x13000 is over this server's limit of 4096x4096"):
        open_source(path, kind="image", limits=LIMITS)


def test_pillows_own_bomb_check_is_a_clean_refusal(tmp_path, bomb):
    path = tmp_path / "bomb.png"
    path.write_bytes(bomb)
    with PeakMemory() as peak, pytest.raises(IngestError, match="over this server's limit of 4096x4096"):
        open_source(path, kind="image", limits=LIMITS)
    assert peak.growth < HEADROOM


@pytest.mark.django_db
def test_a_png_bomb_upload_fails_before_any_decode(bomb, coder_api, project):
    response = coder_api.post(f"/api/projects/{project.pk}/clips/",
                              {"subject": "S01", "files": [SimpleUploadedFile("bomb.png", bomb)]}, format="multipart")
    assert response.status_code == 202, response.content
    clip = Clip.objects.get(pk=response.json()[0]["id"])
    with PeakMemory() as peak:
        ingest_now(clip)
    assert clip.status == Clip.Status.FAILED
    assert "over this server's limit of 4096x4096" in clip.error, clip.error
    assert peak.growth < HEADROOM, f"peak memory grew by {peak.growth / 2**20:.0f} MiB: the bomb was decoded"
    assert not list(FrameStore(settings.MEDIA_ROOT, clip.pk).frames_dir.glob("*.jpg"))


@pytest.mark.django_db
def test_a_bomb_inside_a_frame_folder_fails_before_it_is_decoded(bomb, sample_dir, import_clip, tmp_path):
    """The first frame is honest; the bomb is frame 1, so only a per-image header check can catch it in time."""
    folder = tmp_path / "burst"
    folder.mkdir()
    (folder / "img1.jpg").write_bytes((sample_dir / "single_face.jpg").read_bytes())
    (folder / "img2.png").write_bytes(bomb)
    with PeakMemory() as peak:
        clip = import_clip(folder)
    assert clip.status == Clip.Status.FAILED
    assert "'000001.png' is over this server's limit" in clip.error, clip.error
    assert peak.growth < HEADROOM, f"peak memory grew by {peak.growth / 2**20:.0f} MiB: the bomb was decoded"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "content"), [
    ("photo.png", b"GIF89a" + b"\x00" * 64),  # a GIF is not one of the accepted image formats
    ("photo.jpg", b"#EXTM3U\n#EXTINF:1,\n../../1/source/video.src\n"),
])
def test_an_image_in_another_format_is_refused(name, content, coder_api, project):
    response = coder_api.post(f"/api/projects/{project.pk}/clips/",
                              {"subject": "S01", "files": [SimpleUploadedFile(name, content)]}, format="multipart")
    clip = Clip.objects.get(pk=response.json()[0]["id"])
    ingest_now(clip)
    assert clip.status == Clip.Status.FAILED
    assert "cannot be read as JPEG, PNG or BMP" in clip.error


def test_the_decoder_itself_refuses_frames_over_the_bound(sample_dir):
    """A header can lie about its size; the decoder's own max_pixels still stops the allocation."""
    import av

    from annotator.media.sources import open_video_container

    with open_video_container(sample_dir / "single_face.mp4", max_frame_pixels=640 * 360 - 1) as container:
        with pytest.raises(av.FFmpegError):
            next(container.decode(container.streams.video[0]))
    with open_video_container(sample_dir / "single_face.mp4", max_frame_pixels=640 * 360) as container:
        assert next(container.decode(container.streams.video[0])).width == 640
