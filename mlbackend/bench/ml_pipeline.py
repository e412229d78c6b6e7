"""The ML loop timed through the same services as the UI, in a throwaway database.

Run by `manage.py bench_ml` as `python -m mlbackend.bench.ml_pipeline SAMPLES OUT.json SUBJECTS CLIPS [PLUGIN...]` in
a child process whose MESTUDIO_VAR_DIR and MEDIA_ROOT point at a temporary folder.
"""

import io
import json
import sys
import time
from pathlib import Path


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def compare_models(project, plugins: list[str], quiet: dict) -> list[dict]:
    """LOSO of every plugin through the same evaluate job, for one table."""
    from django.core.management import call_command

    from mlbackend.models import EvaluationReport

    rows = []
    for plugin in plugins:
        seconds = timed(lambda p=plugin: call_command("evaluate", "--project", project.name, "--plugin", p, **quiet))
        report = EvaluationReport.objects.filter(plugin=plugin).latest("id")
        rows.append({"plugin": plugin, "seconds": seconds, "uf1": report.overall.get("uf1"),
                     "uar": report.overall.get("uar"), "au_mean_f1": report.au_metrics.get("mean_f1"),
                     "n": report.overall.get("n") or report.au_metrics.get("n")})
    return rows


def main(samples: Path, out: Path, subjects: int, clips: int, models: list[str]) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from annotator.facs import MEGC_EMOTIONS
    from annotator.models import Clip
    from annotator.services.projects import project_create
    from mlbackend.models import EvaluationReport, Prediction

    if Path(settings.DATABASES["default"]["NAME"]).resolve().parent != Path(settings.VAR_DIR).resolve():
        sys.exit("refusing to run outside the temporary folder")
    call_command("migrate", interactive=False, verbosity=0)
    lead = get_user_model().objects.create_user(username="bench")
    project = project_create(name="Bench ML", created_by=lead, emotion_labels=list(MEGC_EMOTIONS))
    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    figures = {"synthetic_s": timed(lambda: call_command(
        "make_synthetic", str(samples), "--project", project.name, "--subjects", str(subjects),
        "--clips-per-subject", str(clips), **quiet))}
    n_clips = Clip.objects.filter(project=project, status=Clip.Status.READY).count()
    n_frames = sum(Clip.objects.filter(project=project).values_list("frame_count", flat=True))
    figures["train_flow_svm_s"] = timed(lambda: call_command(
        "train", "--project", project.name, "--plugin", "flow_svm", **quiet))
    report = EvaluationReport.objects.get(plugin="flow_svm")
    figures["loso_s"] = sum(fold["seconds"] for fold in report.folds)
    figures["loso_folds"] = len(report.folds)
    figures["uf1"], figures["uar"] = report.overall["uf1"], report.overall["uar"]
    figures["train_motion_spotter_s"] = timed(lambda: call_command(
        "train", "--project", project.name, "--plugin", "motion_spotter", "--no-evaluate", **quiet))
    for plugin in ("motion_spotter", "flow_svm"):
        seconds = timed(lambda p=plugin: call_command("preannotate", "--project", project.name, "--plugin", p, **quiet))
        predicted = Prediction.objects.filter(model_version__plugin=plugin).values("clip").distinct().count()
        figures[f"preannotate_{plugin}"] = {"seconds": seconds, "clips": predicted,
                                            "clips_per_minute": 60 * predicted / seconds}
    figures["models"] = compare_models(project, models, quiet)
    figures.update(clips=n_clips, frames=n_frames, subjects=subjects)
    out.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:])
