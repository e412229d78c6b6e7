"""Training jobs: optionally the LOSO report first, then a fit on every code -> a ModelVersion."""

import os
import shutil
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction

from annotator.models import Job
from annotator.permissions import can_manage, role_for
from annotator.services.jobs import ProgressReporter, job_log, job_set_device
from annotator.services.assignments import clip_uncertainty_clear
from mlbackend.checkpoints import fsync_directory, model_version as version_string, read_checkpoint
from mlbackend.cpuinfo import cpu_fingerprint, describe
from mlbackend.models import ModelVersion
from mlbackend.selectors import active_version, labeled_clips
from mlbackend.services.evaluation import evaluation_run
from mlbackend.services.runtime import job_workdir, label_space, make_plugin, models_root, pick_device


def _install_checkpoint(checkpoint: Path, version_id: int) -> Path:
    """Move the plugin's checkpoint into the version's own folder: a rename, so it appears whole or not at all."""
    target = models_root() / f"version-{version_id}" / checkpoint.name
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(checkpoint, target)
    fsync_directory(target.parent)
    return target


def _headline(report) -> dict:
    """The figures a version is listed with: emotion UF1/UAR, or the AU mean F1 for an AU detector;
    plus the MEGC spotting F1 (overall, micro, macro) for a spotter."""
    if report is None:
        return {}
    if report.overall:
        headline = dict(report.overall)
    else:
        headline = {"au_mean_f1": report.au_metrics.get("mean_f1")} if report.au_metrics else {}
    spotting = (report.spotting or {}).get("overall")
    if spotting:
        headline.update(spotting_f1=spotting["overall"]["f1"], spotting_micro_f1=spotting["micro"]["f1"],
                        spotting_macro_f1=spotting["macro"]["f1"])
    return headline


def training_record(checkpoint: Path, *, device: str) -> dict:
    """Which trainer made the checkpoint and on what machine: the trainer a plugin wrote in its history
    (STSTNet: fast-c = the fused kernel, fast-plain = its calibrated choice of the plain step, plain),
    else "plugin fit" for a plugin that trains in one way only."""
    state = read_checkpoint(checkpoint)
    history = state.get("history") if isinstance(state, dict) else None
    history = history if isinstance(history, dict) else {}
    record = {"trainer": history.get("trainer") or "plugin fit", "device": device, "cpu": cpu_fingerprint()}
    if history.get("train_seconds") is not None:
        record["train_seconds"] = history["train_seconds"]
    return record


def model_version_activate(*, version: ModelVersion, user=None) -> ModelVersion:
    """Make `version` its plugin's active model; `user` None is the training job itself."""
    if user is not None and not can_manage(role_for(user, version.project_id)):
        raise PermissionDenied("Only the project lead chooses the active model.")
    with transaction.atomic():
        ModelVersion.objects.filter(project=version.project, plugin=version.plugin, active=True).update(active=False)
        version.active = True
        version.save(update_fields=["active"])
        # The queue's uncertainty came from the model that was active; the new one judges at its pre-annotation.
        clip_uncertainty_clear(project=version.project, source=version.plugin)
    return version


def train_job_work(job: Job, progress: ProgressReporter) -> None:
    params = job.params
    evaluate_first = params.get("evaluate", True)
    report = evaluation_run(job=job, progress=progress.section(0.0, 0.8)) if evaluate_first else None
    label_source = params.get("label_source", ModelVersion.LabelSource.REVIEWED)
    data, snapshot = labeled_clips(job.project, label_source)
    if not data:
        raise ValueError(f"No {label_source} codes to train on in this project.")
    labels = label_space(job.project, data, params.get("labels"))
    device = pick_device()
    job_set_device(job=job, device=device)
    plugin = make_plugin(params["plugin"], labels=labels, aus=job.project.au_set, params=params.get("plugin_params"))
    workdir = job_workdir(job.pk)
    # A failed or cancelled fit must not leave media/models/job-N behind; a killed worker's is swept.
    try:
        final_progress = progress.section(0.8, 0.2) if evaluate_first else progress
        job_log(job=job, line=f"final fit on {len(snapshot['events'])} codes of {len(snapshot['subjects'])} subjects")
        checkpoint = plugin.fit(data, workdir=workdir / "final", progress=final_progress, device=device,
                                seed=int(params.get("seed", 0)))
        plugin.load(checkpoint, device=device)
        training = training_record(checkpoint, device=device)
        with transaction.atomic():
            version = ModelVersion.objects.create(
                project=job.project, plugin=plugin.name, plugin_version=plugin.version,
                version=version_string(plugin.name, plugin.version, checkpoint), checkpoint="", labels=labels,
                params=params.get("plugin_params") or {}, label_source=label_source, data_snapshot=snapshot,
                metrics=_headline(report), training=training, job=job, created_by=job.created_by,
            )
            installed = _install_checkpoint(checkpoint, version.pk)
            version.checkpoint = installed.relative_to(settings.MEDIA_ROOT).as_posix()
            version.save(update_fields=["checkpoint"])
            if report is not None:
                report.model_version = version
                report.save(update_fields=["model_version"])
            if active_version(job.project, plugin.name) is None:
                model_version_activate(version=version)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    job_log(job=job, line=f"trained with {training['trainer']} on {training['device']}, {describe(training['cpu'])}")
    job_log(job=job, line=f"model version {version.version} saved" + (" and made active" if version.active else ""))


def load_version(version: ModelVersion, *, device: str):
    plugin = make_plugin(version.plugin, labels=version.labels, aus=version.project.au_set, params=version.params)
    plugin.load(Path(settings.MEDIA_ROOT) / version.checkpoint, device=device)
    return plugin
