"""`manage.py bench_import`: dataset import speed against copying the same files with `cp -r`.

A CASME II-shaped dataset (subjects sub01.., clips EP.., frames img<n>.jpg, one coding sheet) is built in
a temporary folder; `cp -r` copies it, then the importer imports it into a throwaway database and media
root. The figure is copy time / import time (1.0 = as fast as cp). Benchmarks print; they never assert.
"""

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from annotator.bench.latency import bench_env

RATIO_TARGET = 0.3


def build_casme2_shaped(root: Path, *, frames: int, per_clip: int, width: int, height: int) -> int:
    import cv2
    import numpy as np
    from openpyxl import Workbook

    rng = np.random.default_rng(0)
    # Blurred noise: about the size of a face frame at this resolution (pure noise would not compress at all).
    textures = [cv2.imencode(".jpg", cv2.GaussianBlur(rng.integers(0, 256, (height, width, 3), dtype=np.uint8),
                                                      (0, 0), 2.0), [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()
                for _ in range(16)]
    book = Workbook()
    sheet = book.active
    sheet.append(["Subject", "Filename", None, "OnsetFrame", "ApexFrame", "OffsetFrame", None, "Action Units",
                  "Estimated Emotion"])
    clips = -(-frames // per_clip)
    written = 0
    for clip in range(clips):
        subject, name, first = clip % 26 + 1, f"EP{clip // 26 + 1:02d}_{clip:03d}", 30 + clip % 50
        folder = root / "CASME2_RAW_selected" / f"sub{subject:02d}" / name
        folder.mkdir(parents=True)
        count = min(per_clip, frames - written)
        for n in range(count):
            (folder / f"img{first + n}.jpg").write_bytes(textures[n % len(textures)])
        written += count
        sheet.append([subject, name, None, first + 1, first + count // 2, first + count - 2, None, "R12+4",
                      "happiness"])
    book.save(root / "CASME2-coding-20140508.xlsx")
    return clips


class Command(BaseCommand):
    help = "Measure dataset import speed against `cp -r` of the same files (CASME II-shaped, 30,000 frames)."

    def add_arguments(self, parser):
        parser.add_argument("--frames", type=int, default=30_000)
        parser.add_argument("--per-clip", type=int, default=250)
        parser.add_argument("--size", default="320x240", help="Frame size WxH (default %(default)s).")
        parser.add_argument("--keep", action="store_true", help="Keep the temporary folder (its path is printed).")

    def handle(self, *args, frames: int, per_clip: int, size: str, keep: bool, **options):
        width, height = (int(v) for v in size.lower().split("x"))
        work = Path(tempfile.mkdtemp(prefix="mestudio-bench-import-"))
        try:
            source = work / "casme2"
            clips = build_casme2_shaped(source, frames=frames, per_clip=per_clip, width=width, height=height)
            size_mb = sum(p.stat().st_size for p in source.rglob("*") if p.is_file()) / 2**20
            self.stdout.write(f"CASME II-shaped fixture: {frames} frames {width}x{height} in {clips} clips, "
                              f"{size_mb:.0f} MB")
            started = time.perf_counter()
            subprocess.run(["cp", "-r", str(source), str(work / "copy")], check=True)
            copy_s = time.perf_counter() - started
            var_dir = work / "var"
            var_dir.mkdir()
            out = work / "result.json"
            done = subprocess.run([sys.executable, "-m", "annotator.bench.dataset_import", "casme2", str(source),
                                   str(out)], cwd=settings.BASE_DIR, env=bench_env(var_dir), capture_output=True,
                                  text=True)
            if done.returncode != 0:
                raise CommandError(f"bench import failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
            result = json.loads(out.read_text())
        finally:
            if keep:
                self.stdout.write(f"Temporary folder kept: {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)
        import_s = result["seconds"]
        ratio = copy_s / import_s
        self.stdout.write(f"cp -r: {copy_s:.2f} s ({frames / copy_s:.0f} frames/s); import: {import_s:.2f} s "
                          f"({frames / import_s:.0f} frames/s, {result['summary']['events_new']} events)")
        self.stdout.write(f"import speed / copy speed = {ratio:.2f} (goal >= {RATIO_TARGET:g}): "
                          f"{'MET' if ratio >= RATIO_TARGET else 'MISSED'}")
