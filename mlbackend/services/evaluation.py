"""LOSO evaluation jobs: the shared evaluator on a project's codes, saved as a report.

What is evaluated follows the plugin's capabilities, all in one report:

* emotion and/or AUs -> `loso_evaluate` (recognition on the coded timings): `overall`, `per_dataset`,
  `per_subject`, `folds`, `samples`, `au_metrics`;
* spotting -> `spotting_loso` (MEGC rule: IoU >= 0.5 on inclusive frames, one match per ground-truth
  event, micro and macro matched apart, TP / FP / FN pooled over every held-out video): `spotting`.

A plugin with both (the test plugin `dummy`) gets both, each with its own LOSO loop: recognition
first, then spotting. For a spotting-only plugin the report's `folds` are the spotting folds and
the recognition fields stay empty.
"""

import dataclasses
import shutil

from annotator.models import Job
from annotator.services.jobs import ProgressReporter, job_is_cancelled, job_log, job_set_device
from mlbackend.contract import AUS, EMOTION, SPOTTING, LabeledClip
from mlbackend.evaluation.fold_store import FoldStore, run_key
from mlbackend.evaluation.loso import LOSO, PROTOCOLS, loso_evaluate, protocol_warning
from mlbackend.evaluation.spotting import KINDS, spotted_video, spotting_loso
from mlbackend.models import EvaluationReport, ModelVersion
from mlbackend.selectors import labeled_clips
from mlbackend.services.runtime import job_workdir, label_space, make_plugin, models_root, pick_device

EVALUABLE = frozenset({EMOTION, AUS, SPOTTING})


def spotting_videos(data: list[LabeledClip]) -> list[LabeledClip]:
    """The videos a spotter is scored on: every labelled clip, its ground truth every coded event with
    its kind. Codes with the same onset, offset and kind (two coders marking one movement) count once,
    otherwise one found movement would leave a false negative behind."""
    videos = []
    for clip in data:
        seen, events = set(), []
        for event in clip.events:
            key = (event.onset, event.offset, event.kind)
            if key not in seen:
                seen.add(key)
                events.append(event)
        videos.append(dataclasses.replace(clip, events=tuple(events)))
    return videos


def _spotting_figures(result) -> dict:
    figures = result.to_dict()
    n_videos = {}
    for video in result.videos:
        n_videos[video.subject] = n_videos.get(video.subject, 0) + 1
    for row in figures["per_subject"]:
        row["n_videos"] = n_videos.get(row["subject"], 0)
    return figures


def spotting_summary(overall: dict) -> str:
    return "  ".join(f"{kind} F1 {overall[kind]['f1']:.3f} (TP {overall[kind]['tp']} FP {overall[kind]['fp']} "
                     f"FN {overall[kind]['fn']})" for kind in (*KINDS, "overall"))


def evaluation_run(*, job: Job, progress: ProgressReporter, model_version: ModelVersion | None = None
                   ) -> EvaluationReport:
    params = job.params
    label_source = params.get("label_source", ModelVersion.LabelSource.REVIEWED)
    data, snapshot = labeled_clips(job.project, label_source)
    capabilities = make_plugin(params["plugin"]).capabilities
    recognises = bool(capabilities & {EMOTION, AUS})
    spots = SPOTTING in capabilities
    if not (recognises or spots):
        raise ValueError(f"{params['plugin']} neither recognises emotions, detects AUs nor spots; "
                         "there is nothing to evaluate.")
    aus_only = AUS in capabilities and EMOTION not in capabilities
    aus = list(job.project.au_set)
    labels: list[str] = []
    if recognises and aus_only:  # an AU detector: no emotion labels needed, the project's AU set is scored
        if not aus:
            raise ValueError("AU detection needs the project's AU set; it is empty.")
    elif recognises:
        labels = label_space(job.project, data, params.get("labels"))
        if len(labels) < 2:
            raise ValueError(f"Recognition needs codes of at least two emotions; found {labels or 'none'}.")
    device = pick_device()
    job_set_device(job=job, device=device)
    seed = int(params.get("seed", 0))
    protocol = params.get("protocol", LOSO)

    def factory():
        return make_plugin(params["plugin"], labels=labels, aus=job.project.au_set, params=params.get("plugin_params"))

    workdir = job_workdir(job.pk)
    recognition_progress, spotting_progress = (
        (progress.section(0.0, 0.5), progress.section(0.5, 0.5)) if recognises and spots else (progress, progress))
    fields = {"overall": {}, "per_dataset": {}, "per_subject": [], "folds": [], "samples": [], "au_metrics": {},
              "spotting": {}}
    try:
        if recognises:
            if protocol_warning(protocol):
                job_log(job=job, line=f"warning: {protocol_warning(protocol)}")
            job_log(job=job, line=f"{PROTOCOLS[protocol]} over {len(snapshot['subjects'])} subjects, {len(snapshot['events'])} codes, "
                                  + (f"AUs {aus}" if aus_only else f"labels {labels}") + f", device {device}")
            store = FoldStore(models_root() / "loso-folds" / run_key(
                plugin=params["plugin"], version=make_plugin(params["plugin"]).version,
                params=params.get("plugin_params"), labels=labels, seed=seed, protocol=protocol, data=data, aus=aus))
            if store.finished():
                job_log(job=job, line=f"resuming: {store.finished()} folds of an interrupted run are kept")
            result = loso_evaluate(
                factory, data, labels=labels, workdir=workdir / "loso", progress=recognition_progress, device=device,
                seed=seed, should_stop=lambda: job_is_cancelled(job), aus=aus, protocol=protocol, store=store,
            )
            store.clear()  # the report holds the folds now
            overall = result.overall
            if overall:
                job_log(job=job, line=f"UF1 {overall['uf1']:.3f}  UAR {overall['uar']:.3f}  "
                                      f"accuracy {overall['accuracy']:.3f}  on {overall['n']} samples")
            au_figures = result.au_metrics
            if au_figures:
                job_log(job=job, line=f"AU mean F1 {au_figures['mean_f1']:.3f} over {au_figures['n_scored']} AUs, "
                                      f"{au_figures['n']} samples")
            fields.update(overall=overall, per_dataset=result.per_dataset, per_subject=result.per_subject,
                          folds=result.folds, samples=result.to_dict()["samples"], au_metrics=au_figures)
        if spots:
            videos = spotting_videos(data)
            kinds = {kind: sum(e.kind == kind for v in videos for e in v.events) for kind in KINDS}
            job_log(job=job, line=f"spotting LOSO over {len(snapshot['subjects'])} subjects, {len(videos)} videos, "
                                  f"{kinds['micro']} micro and {kinds['macro']} macro events, device {device}")
            spot_store = FoldStore(models_root() / "loso-folds" / run_key(
                plugin=params["plugin"], version=make_plugin(params["plugin"]).version,
                params=params.get("plugin_params"), labels=labels, seed=seed, protocol="spotting-loso", data=videos),
                decode=spotted_video)
            if spot_store.finished():
                job_log(job=job, line=f"resuming spotting: {spot_store.finished()} folds of an interrupted run are kept")
            spotted = spotting_loso(factory, videos, workdir=workdir / "spotting", progress=spotting_progress,
                                    device=device, seed=seed, should_stop=lambda: job_is_cancelled(job),
                                    store=spot_store)
            spot_store.clear()  # the report holds the folds now
            figures = _spotting_figures(spotted)
            job_log(job=job, line=f"spotting (IoU >= 0.5): {spotting_summary(figures['overall'])}")
            fields["spotting"] = figures
            if not recognises:
                fields["folds"] = figures["folds"]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    plugin_class = make_plugin(params["plugin"]).__class__
    return EvaluationReport.objects.create(
        project=job.project, plugin=params["plugin"], plugin_version=plugin_class.version,
        params=params.get("plugin_params") or {}, label_source=label_source, labels=labels, seed=seed,
        model_version=model_version, job=job, created_by=job.created_by, protocol=protocol, **fields,
    )


def evaluate_job_work(job: Job, progress: ProgressReporter) -> None:
    evaluation_run(job=job, progress=progress)
