"""What every ML job needs: a device, a plugin instance, a working folder, a label space."""

import shutil
from pathlib import Path

from django.conf import settings
from django.db.models import Q

from mlbackend.contract import Plugin, PluginError
from mlbackend.registry import get_plugin_class

EXCLUDED_FROM_LABELS = {"", "others", "other"}


def pick_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def make_plugin(name: str, *, labels=(), aus=(), params: dict | None = None) -> Plugin:
    return get_plugin_class(name)(labels=labels, aus=aus, params=params or {})


def label_space(project, data, requested: list[str] | None) -> list[str]:
    """The emotions to recognise: as requested, else every project label the codes use (not 'others')."""
    used = {event.emotion for clip in data for event in clip.events}
    if requested:
        unknown = [label for label in requested if label not in project.emotion_labels]
        if unknown:
            raise PluginError(f"Labels {unknown} are not among the project's emotion labels.")
        return list(requested)
    return [label for label in project.emotion_labels if label in used and label.lower() not in EXCLUDED_FROM_LABELS]


def job_workdir(job_id: int) -> Path:
    folder = Path(settings.MEDIA_ROOT) / "models" / f"job-{job_id}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def models_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "models"


def job_workdirs_sweep() -> list[Path]:
    """Remove the working folders of jobs that no longer run: a worker killed mid-fit runs no cleanup code,
    so its media/models/job-N stays behind until the job is swept (failed) and this runs."""
    from annotator.models import Job

    root = models_root()
    folders = {int(path.name[4:]): path for path in root.glob("job-*") if path.name[4:].isdigit()} if root.is_dir() else {}
    # A cancelled job keeps running (and writing) until its next progress call: finished_at marks its end.
    running = Q(status__in=[Job.Status.QUEUED, Job.Status.RUNNING]) | Q(status=Job.Status.CANCELLED, finished_at=None)
    live = set(Job.objects.filter(running, pk__in=folders).values_list("pk", flat=True))
    removed = [path for job_id, path in sorted(folders.items()) if job_id not in live]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed
