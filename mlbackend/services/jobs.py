"""Starting ML jobs: validate the request here, run it in a worker, never in the request."""

from django.core.exceptions import PermissionDenied, ValidationError

from annotator.models import Job
from annotator.permissions import can_start_job, role_for
from annotator.services.jobs import job_create, job_enqueue_on_commit
from mlbackend.contract import AUS, EMOTION, SPOTTING, PluginError
from mlbackend.jobkinds import EVALUATE, PREANNOTATE, TRAIN
from mlbackend.evaluation.loso import PROTOCOLS
from mlbackend.models import ModelVersion
from mlbackend.registry import get_plugin_class

TRAINABLE = {EMOTION, AUS, SPOTTING}


def ml_job_create(
    *, kind: str, project, created_by, plugin: str, label_source: str = ModelVersion.LabelSource.SUBMITTED,
    seed: int = 0, evaluate: bool = True, clips: list[int] | None = None, model_version: int | None = None,
    labels: list[str] | None = None, plugin_params: dict | None = None, enqueue: bool = True,
    protocol: str = "loso",
) -> Job:
    """Validate and record an ML job; queue it for a worker unless the caller runs it (the CLI)."""
    if kind not in {PREANNOTATE, TRAIN, EVALUATE}:
        raise ValidationError({"kind": "Choose preannotate, train or evaluate."})
    if created_by is not None and not can_start_job(role_for(created_by, project), kind):
        raise PermissionDenied("Only the project lead starts model jobs.")
    try:
        plugin_class = get_plugin_class(plugin)
    except PluginError as exc:
        raise ValidationError({"plugin": str(exc)}) from None
    evaluable = bool(plugin_class.capabilities & {EMOTION, AUS, SPOTTING})
    if kind == EVALUATE and not evaluable:
        raise ValidationError({"plugin": f"{plugin} neither recognises emotions, detects AUs nor spots movements; "
                                         "LOSO evaluation needs one that does."})
    if protocol not in PROTOCOLS:
        raise ValidationError({"protocol": f"Choose {' or '.join(PROTOCOLS)} ({', '.join(PROTOCOLS.values())})."})
    if label_source not in ModelVersion.LabelSource.values:
        raise ValidationError({"label_source": "Choose submitted or reviewed."})
    if model_version is not None and not ModelVersion.objects.filter(pk=model_version, project=project).exists():
        raise ValidationError({"model_version": "That model version does not belong to this project."})
    params = {
        "plugin": plugin, "label_source": label_source, "seed": int(seed),
        "evaluate": bool(evaluate) and evaluable,
        "clips": list(clips or []), "model_version": model_version, "labels": list(labels or []),
        "plugin_params": dict(plugin_params or {}), "protocol": protocol,
    }
    job = job_create(kind=kind, project=project, params=params, created_by=created_by)
    if enqueue:
        job_enqueue_on_commit(job=job)
    return job
