"""Starting ML jobs: validate the request here, run it in a worker, never in the request."""

from django.core.exceptions import PermissionDenied, ValidationError

from annotator.models import Job
from annotator.permissions import can_start_job, role_for
from annotator.services.jobs import job_create, job_enqueue_on_commit
from mlbackend.contract import APEX, AUS, CLIPS, EMOTION, MAPS, SPOTTING, PluginError
from mlbackend.jobkinds import EVALUATE, PREANNOTATE, TRAIN
from mlbackend.evaluation.loso import PROTOCOLS
from mlbackend.models import ModelVersion
from mlbackend.registry import get_plugin_class
from mlbackend.selectors import project_input_kinds
from mlbackend.services.readiness import job_blocker

TRAINABLE = {EMOTION, AUS, SPOTTING}
SAMPLE_WORDS = {CLIPS: "clips of frames", MAPS: "precomputed flow maps", APEX: "apex images"}


def check_plugin_inputs(plugin_class, kinds: set[str]) -> None:
    """Refuse a plugin that cannot take one of the kinds of sample it would be given, before anything is queued."""
    missing = sorted(kinds - set(plugin_class.inputs))
    if missing:
        given = " and ".join(SAMPLE_WORDS[kind] for kind in missing)
        takes = ", ".join(SAMPLE_WORDS[kind] for kind in sorted(plugin_class.inputs))
        raise ValidationError({"plugin": f"{plugin_class.name} needs {takes}; this project's samples include "
                                         f"{given}. Choose a plugin that takes {given} (e.g. a flow-map network "
                                         "such as ststnet for maps)."})


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
    check_plugin_inputs(plugin_class, project_input_kinds(project, clips))
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
    blocker = job_blocker(project=project, kind=kind, plugin_class=plugin_class, label_source=label_source,
                          evaluate=evaluate, model_version=model_version)
    if blocker:
        raise ValidationError({"kind": blocker})
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
