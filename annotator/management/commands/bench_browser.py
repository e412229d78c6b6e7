"""`manage.py bench_browser`: key-to-draw and key-to-paint in the workspace, in Debian's Chromium against daphne.

Like `manage.py bench`, everything runs in a temporary folder (own SQLite database and media root) with a real
sample video ingested through the services. Benchmarks print; they never assert.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from annotator.bench import browser as probe
from annotator.bench import latency

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DRAW_P95_GOAL_MS = 4.0
PAINT_WITHIN_GOAL = 0.95


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


class Command(BaseCommand):
    help = "Key-to-draw and key-to-paint p50/p95 in the workspace: paced steps, back-to-back steps, steps after a jump."

    def add_arguments(self, parser):
        parser.add_argument("--video", type=Path, default=None,
                            help="Video to code (default: WolfgangLanger_Pexels.mp4 in MESTUDIO_SAMPLE_DIR).")
        parser.add_argument("--steps", type=int, default=60)
        parser.add_argument("--jumps", type=int, default=12)
        parser.add_argument("--gap-ms", type=int, default=60, help="Pause between paced steps.")

    def handle(self, *args, video: Path | None, steps: int, jumps: int, gap_ms: int, **options):
        if video is None:
            video = Path(os.environ.get("MESTUDIO_SAMPLE_DIR", "")) / "WolfgangLanger_Pexels.mp4"
        if not video.is_file():
            raise CommandError(f"{video} not found: pass --video or set MESTUDIO_SAMPLE_DIR (make sample-data).")
        if not shutil.which(CHROMIUM):
            raise CommandError(f"{CHROMIUM} is missing: apt-get install chromium.")
        work = Path(tempfile.mkdtemp(prefix="mestudio-bench-browser-"))
        try:
            self._run(video, work, steps, jumps, gap_ms)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _run(self, video: Path, work: Path, steps: int, jumps: int, gap_ms: int) -> None:
        var_dir = work / "var"
        var_dir.mkdir()
        env = latency.bench_env(var_dir)
        setup_json = work / "setup.json"
        done = subprocess.run([sys.executable, "-m", "annotator.bench.setup_data", str(video), str(setup_json)],
                              cwd=settings.BASE_DIR, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise CommandError(f"bench setup failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        data = json.loads(setup_json.read_text())
        server = latency.DaphneServer(cwd=settings.BASE_DIR, env=env, log_path=work / "daphne.log")
        try:
            server.wait_listening()
            results, refresh = self._measure(server.port, data, steps, jumps, gap_ms)
        finally:
            server.stop()
        self._report(video, data, results, refresh, gap_ms)

    def _measure(self, port: int, data: dict, steps: int, jumps: int, gap_ms: int):
        from playwright.sync_api import sync_playwright

        base = f"http://127.0.0.1:{port}"
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = chromium.new_context(base_url=base, viewport={"width": 1366, "height": 680})
            context.add_cookies([{"name": data["session_cookie_name"], "value": data["session_key"], "url": base}])
            page = context.new_page()
            page.goto(f"/clips/{data['clip_id']}/")
            page.wait_for_function("document.getElementById('stage').dataset.frame === '0'")
            page.evaluate(probe.PROBE)
            page.wait_for_function("window.__bench.refresh.length >= 60")
            intervals = sorted(page.evaluate("window.__bench.refresh"))
            refresh = intervals[len(intervals) // 2]
            count = data["frame_count"]
            results = {
                "paced steps": probe.paced(page, min(steps, count - 1), gap_ms),
                "back-to-back steps": probe.back_to_back(page, min(steps, count // 2), count // 4),
                "steps right after a jump": probe.after_jumps(page, count, jumps, 3, gap_ms),
            }
            chromium.close()
        return {name: probe.describe(samples, refresh) for name, samples in results.items()}, refresh

    def _report(self, video: Path, data: dict, results: dict, refresh: float, gap_ms: int) -> None:
        write = self.stdout.write
        cpus = len(os.sched_getaffinity(0))
        write(f"MEStudio browser bench | {cpus} usable cpus | load avg {_load()}")
        if os.getloadavg()[0] > 0.5 * cpus:
            write("NOTE: the machine is busy (1-min load avg above half the cpu count): figures read pessimistic.")
        write(f"clip {video.name}: {data['frame_count']} frames {data['width']}x{data['height']}; daphne DEBUG=0, "
              f"Chromium headless ({CHROMIUM}), display refresh {refresh:.1f} ms (median rAF interval)")
        write(f"paced steps: one ArrowRight every paint + {gap_ms} ms; back-to-back: as fast as the driver sends "
              "keys; after a jump: G n Enter to a random frame, then 3 paced steps timed")
        header = f"{'run':<26}{'n':>5}{'draw p50':>10}{'draw p95':>10}{'paint p50':>11}{'paint p95':>11}{'<=1 refresh':>13}"
        write(header)
        write("-" * len(header))
        for name, r in results.items():
            write(f"{name:<26}{r['n']:>5}{r['draw_p50']:>10.2f}{r['draw_p95']:>10.2f}{r['paint_p50']:>11.2f}"
                  f"{r['paint_p95']:>11.2f}{r['within']:>12.0%}")
        write("(milliseconds from the key event's timestamp)")
        for name, r in results.items():
            draw_met = r["draw_p95"] <= DRAW_P95_GOAL_MS
            paint_met = r["within"] >= PAINT_WITHIN_GOAL
            write(f"  {name}: key-to-draw p95 <= {DRAW_P95_GOAL_MS:g} ms {'MET' if draw_met else 'MISSED'}; "
                  f"key-to-paint within one refresh for 95% {'MET' if paint_met else 'MISSED'}")
        write(f"load avg after: {_load()}")
