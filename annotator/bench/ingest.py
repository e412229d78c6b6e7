"""Ingest throughput against raw decode of the same file."""

import contextlib
import os
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from annotator.media.framestore import FrameStore
from annotator.media.pipeline import decode_to_store, write_face_crops
from annotator.media.sources import Limits, open_video_container, source_kind


@contextlib.contextmanager
def native_stderr_captured():
    """mediapipe/TFLite log to file descriptor 2 from C++; keep that out of the table, show it only on failure."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                yield
        except BaseException:
            os.dup2(saved, 2)
            sink.seek(0)
            sys.stderr.write(sink.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _quiet(fraction: float, message: str = "", force: bool = False) -> None:
    pass


def raw_decode(path: Path, *, shared_reformatter: bool = False) -> tuple[int, float, float]:
    """PyAV decode of every frame to a bgr24 ndarray, threaded the way the pipeline opens streams.

    Returns (frames, wall seconds, process CPU seconds, all threads).

    shared_reformatter=False is the textbook loop (frame.to_ndarray(format="bgr24"), which sets up swscale
    anew for every frame); True converts through one VideoReformatter, as VideoSource does: the fastest
    decode to bgr24 we know, hence the stricter baseline.
    """
    from av.video.reformatter import VideoReformatter

    start, cpu_start = time.perf_counter(), time.process_time()
    container = open_video_container(path)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        reformatter = VideoReformatter()
        count = 0
        for frame in container.decode(stream):
            if shared_reformatter:
                reformatter.reformat(frame, format="bgr24").to_ndarray()
            else:
                frame.to_ndarray(format="bgr24")
            count += 1
    finally:
        container.close()
    return count, time.perf_counter() - start, time.process_time() - cpu_start


def ingest(path: Path, store: FrameStore, *, limits: Limits, jpeg_quality: int) -> tuple[int, float, float]:
    start, cpu_start = time.perf_counter(), time.process_time()
    result = decode_to_store(path, store, kind=source_kind(path), limits=limits, jpeg_quality=jpeg_quality,
                             detect_landmarks=False, progress=_quiet)
    return result.frame_count, time.perf_counter() - start, time.process_time() - cpu_start


@dataclass
class Throughput:
    video: str
    codec: str
    width: int
    height: int
    frames: int
    decode_fps: float
    strict_decode_fps: float
    ingest_fps: float
    decode_runs: list[float]
    strict_decode_runs: list[float]
    ingest_runs: list[float]
    jpeg_bytes: int
    strict_decode_cpu_ms: float  # CPU per frame, all threads, least of the runs
    ingest_cpu_ms: float

    @property
    def ratio(self) -> float:
        return self.ingest_fps / self.decode_fps

    @property
    def strict_ratio(self) -> float:
        return self.ingest_fps / self.strict_decode_fps


def probe(path: Path) -> tuple[str, int, int]:
    with open_video_container(path) as container:
        ctx = container.streams.video[0].codec_context
        return ctx.name, int(ctx.width), int(ctx.height)


def compare(path: Path, work_dir: Path, *, limits: Limits, jpeg_quality: int, repeats: int) -> Throughput:
    """Alternates decode and ingest runs so drift on a busy machine hits both alike; keeps the best of each."""
    codec, width, height = probe(path)
    store = FrameStore(work_dir, 1)
    decode_runs, strict_runs, ingest_runs, strict_cpu, ingest_cpu = [], [], [], [], []
    frames = None
    for _ in range(repeats):
        decoded, decode_s, _ = raw_decode(path)
        strict, strict_s, strict_cpu_s = raw_decode(path, shared_reformatter=True)
        ingested, ingest_s, ingest_cpu_s = ingest(path, store, limits=limits, jpeg_quality=jpeg_quality)
        strict_cpu.append(1000 * strict_cpu_s / strict)
        ingest_cpu.append(1000 * ingest_cpu_s / ingested)
        if not decoded == strict == ingested:
            raise RuntimeError(f"{path.name}: raw decode gave {decoded} frames but ingest stored {ingested}")
        frames = decoded
        decode_runs.append(decoded / decode_s)
        strict_runs.append(strict / strict_s)
        ingest_runs.append(ingested / ingest_s)
    jpeg_bytes = sum(p.stat().st_size for p in store.frames_dir.iterdir())
    store.delete()
    return Throughput(
        video=path.name, codec=codec, width=width, height=height, frames=frames,
        decode_fps=max(decode_runs), strict_decode_fps=max(strict_runs), ingest_fps=max(ingest_runs),
        decode_runs=decode_runs, strict_decode_runs=strict_runs, ingest_runs=ingest_runs, jpeg_bytes=jpeg_bytes,
        strict_decode_cpu_ms=min(strict_cpu), ingest_cpu_ms=min(ingest_cpu),
    )


@dataclass
class AlignedIngest:
    video: str
    frames: int
    total_fps: float
    decode_landmarks_fps: float
    crops_fps: float
    runs: list[float]
    status: str
    method: str
    face_frames: int


def aligned(path: Path, work_dir: Path, *, limits: Limits, jpeg_quality: int, face_size: int,
            repeats: int) -> AlignedIngest:
    """The full aligned ingest (frames + mediapipe landmarks, then aligned face crops); best of `repeats`."""
    store = FrameStore(work_dir, 2)
    best = None
    runs = []
    for _ in range(repeats):
        with native_stderr_captured():
            start = time.perf_counter()
            decoded = decode_to_store(path, store, kind=source_kind(path), limits=limits, jpeg_quality=jpeg_quality,
                                      detect_landmarks=True, progress=_quiet)
            middle = time.perf_counter()
            faces = write_face_crops(path, store, decoded, limits=limits, face_size=face_size,
                                     jpeg_quality=jpeg_quality, progress=_quiet)
            end = time.perf_counter()
        n = decoded.frame_count
        runs.append(n / (end - start))
        if best is None or end - start < best[0]:
            best = (end - start, middle - start, end - middle, n, faces)
    store.delete()
    total_s, first_s, second_s, n, faces = best
    return AlignedIngest(
        video=path.name, frames=n, total_fps=n / total_s, decode_landmarks_fps=n / first_s,
        crops_fps=n / second_s, runs=runs, status=faces.status, method=faces.method, face_frames=faces.face_frames,
    )
