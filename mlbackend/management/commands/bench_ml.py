import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotator.bench.latency import bench_env


class Command(BaseCommand):
    help = ("Time the ML loop through the UI's services on the synthetic set: LOSO of the classical baseline "
            "and pre-annotation throughput (clips per minute), in a throwaway database.")

    def add_arguments(self, parser):
        parser.add_argument("--samples", type=Path, required=True)
        parser.add_argument("--subjects", type=int, default=8)
        parser.add_argument("--clips-per-subject", type=int, default=6)
        parser.add_argument("--models", nargs="*", default=[],
                            help="Also evaluate these plugins (LOSO, same data) for one comparison table.")

    def handle(self, *args, samples: Path, subjects: int, clips_per_subject: int, models: list[str], **options):
        with tempfile.TemporaryDirectory(prefix="mestudio-bench-ml-") as folder:
            out = Path(folder) / "figures.json"
            child = subprocess.run(
                [sys.executable, "-m", "mlbackend.bench.ml_pipeline", str(samples.resolve()), str(out),
                 str(subjects), str(clips_per_subject), *models],
                env=bench_env(Path(folder) / "var"), capture_output=True, text=True,
            )
            if child.returncode != 0:
                raise CommandError(f"ML bench failed:\n{child.stderr[-3000:]}")
            figures = json.loads(out.read_text())
        load = " ".join(f"{v:.2f}" for v in os.getloadavg())
        self.stdout.write(f"\n3. ML loop on the synthetic set (cpu count {os.cpu_count()}, load avg {load})")
        self.stdout.write(f"   {figures['subjects']} subjects, {figures['clips']} clips, {figures['frames']} frames "
                          f"at 200 fps; rendering + ingest {figures['synthetic_s']:.1f} s")
        self.stdout.write(f"   flow_svm LOSO: {figures['loso_folds']} folds in {figures['loso_s']:.1f} s "
                          f"(train job with final fit {figures['train_flow_svm_s']:.1f} s); "
                          f"UF1 {figures['uf1']:.3f}, UAR {figures['uar']:.3f} (chance 0.333)")
        for plugin in ("motion_spotter", "flow_svm"):
            entry = figures[f"preannotate_{plugin}"]
            self.stdout.write(f"   pre-annotation {plugin}: {entry['clips']} clips in {entry['seconds']:.1f} s = "
                              f"{entry['clips_per_minute']:.0f} clips/minute (frames read from the frame store)")

        if figures["models"]:
            self.stdout.write("   LOSO on the same synthetic set, pooled (chance UF1 0.333):")
            self.stdout.write(f"   {'plugin':<14}{'UF1':>7}{'UAR':>7}{'AU mean F1':>12}{'samples':>9}{'seconds':>9}")
            for row in figures["models"]:
                cells = [f"{row[key]:.3f}" if row[key] is not None else "-" for key in ("uf1", "uar", "au_mean_f1")]
                self.stdout.write(f"   {row['plugin']:<14}{cells[0]:>7}{cells[1]:>7}{cells[2]:>12}{row['n'] or 0:>9}"
                                  f"{row['seconds']:>9.1f}")
