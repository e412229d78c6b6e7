"""What every ML job needs: a device, a plugin instance, a working folder, a label space."""

import shutil
from pathlib import Path

from django.conf import settings

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
