"""LOSO evaluation jobs: the shared evaluator on a project's codes, saved as a report."""

import shutil

from annotator.models import Job
from annotator.services.jobs import ProgressReporter, job_is_cancelled, job_log, job_set_device
from mlbackend.contract import AUS, EMOTION
from mlbackend.evaluation.loso import loso_evaluate
from mlbackend.models import EvaluationReport, ModelVersion
from mlbackend.selectors import labeled_clips
from mlbackend.services.runtime import job_workdir, label_space, make_plugin, pick_device


def evaluation_run(*, job: Job, progress: ProgressReporter, model_version: ModelVersion | None = None
                   ) -> EvaluationReport:
    params = job.params
    label_source = params.get("label_source", ModelVersion.LabelSource.SUBMITTED)
    data, snapshot = labeled_clips(job.project, label_source)
    capabilities = make_plugin(params["plugin"]).capabilities
    aus_only = AUS in capabilities and EMOTION not in capabilities
    aus = list(job.project.au_set)
    if aus_only:  # an AU detector: no emotion labels needed, the project's AU set is scored
        labels = []
        if not aus:
            raise ValueError("AU detection needs the project's AU set; it is empty.")
    else:
        labels = label_space(job.project, data, params.get("labels"))
        if len(labels) < 2:
            raise ValueError(f"Recognition needs codes of at least two emotions; found {labels or 'none'}.")
    device = pick_device()
    job_set_device(job=job, device=device)
    job_log(job=job, line=f"LOSO over {len(snapshot['subjects'])} subjects, {len(snapshot['events'])} codes, "
                          + (f"AUs {aus}" if aus_only else f"labels {labels}") + f", device {device}")
    workdir = job_workdir(job.pk) / "loso"
    try:
        result = loso_evaluate(
            lambda: make_plugin(params["plugin"], labels=labels, aus=job.project.au_set,
                                params=params.get("plugin_params")),
            data, labels=labels, workdir=workdir, progress=progress, device=device, seed=int(params.get("seed", 0)),
            should_stop=lambda: job_is_cancelled(job), aus=aus,
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    plugin_class = make_plugin(params["plugin"]).__class__
    overall = result.overall
    if overall:
        job_log(job=job, line=f"UF1 {overall['uf1']:.3f}  UAR {overall['uar']:.3f}  accuracy {overall['accuracy']:.3f}"
                              f"  on {overall['n']} samples")
    au_figures = result.au_metrics
    if au_figures:
        job_log(job=job, line=f"AU mean F1 {au_figures['mean_f1']:.3f} over {au_figures['n_scored']} AUs, "
                              f"{au_figures['n']} samples")
    return EvaluationReport.objects.create(
        project=job.project, plugin=params["plugin"], plugin_version=plugin_class.version,
        params=params.get("plugin_params") or {}, label_source=label_source, labels=labels, overall=overall,
        per_dataset=result.per_dataset, per_subject=result.per_subject, folds=result.folds,
        samples=result.to_dict()["samples"], au_metrics=au_figures, seed=int(params.get("seed", 0)), model_version=model_version,
        job=job, created_by=job.created_by,
    )


def evaluate_job_work(job: Job, progress: ProgressReporter) -> None:
    evaluation_run(job=job, progress=progress)
