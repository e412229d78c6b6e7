"""Pre-annotation: a model version's suggestions for a project's clips, stored apart from human codes."""

from django.db import transaction

from annotator.models import Clip, Job
from annotator.services.jobs import ProgressReporter, job_log, job_set_device
from mlbackend.contract import EMOTION, SPOTTING, AUS, Segment
from mlbackend.models import ModelVersion, Prediction
from mlbackend.selectors import active_version, clip_input, segment_sources
from mlbackend.services.runtime import pick_device
from mlbackend.services.training import load_version

BATCH = 8


def _version_for(job: Job) -> ModelVersion:
    params = job.params
    if params.get("model_version"):
        version = ModelVersion.objects.filter(pk=params["model_version"], project=job.project).first()
        if version is None:
            raise ValueError("That model version does not belong to this project.")
        return version
    version = active_version(job.project, params["plugin"])
    if version is None:
        raise ValueError(f"No active {params['plugin']} model in this project: train one first.")
    return version


def _clips(job: Job, version: ModelVersion) -> list[Clip]:
    clips = Clip.objects.filter(project=job.project, status=Clip.Status.READY).select_related("subject", "project")
    if job.params.get("clips"):
        clips = clips.filter(pk__in=job.params["clips"])
    already = set(Prediction.objects.filter(model_version=version).values_list("clip_id", flat=True))
    return [clip for clip in clips if clip.pk not in already]


def preannotate_job_work(job: Job, progress: ProgressReporter) -> None:
    version = _version_for(job)
    device = pick_device()
    job_set_device(job=job, device=device)
    plugin = load_version(version, device=device)
    recognises = bool(plugin.capabilities & {EMOTION, AUS}) and SPOTTING not in plugin.capabilities
    clips = _clips(job, version)
    job_log(job=job, line=f"{version.version}: {len(clips)} clip(s) without its predictions")
    inputs, skipped = [], 0
    for clip in clips:
        sources = segment_sources(clip) if recognises else None
        if recognises and not sources:
            skipped += 1
            continue
        segments = tuple(Segment(*timing) for timing in sources) if recognises else ()
        inputs.append((clip, clip_input(clip, segments), sources))
    if skipped:
        job_log(job=job, line=f"{skipped} clip(s) skipped: no timing to recognise (code onset/offset or run a spotter)")
    for start in range(0, len(inputs), BATCH):
        batch = inputs[start:start + BATCH]
        predictions = plugin.predict([item for _, item, _ in batch])
        _store(batch, predictions, version, job)
        progress((start + len(batch)) / len(inputs), f"{start + len(batch)} of {len(inputs)} clips")
    job_log(job=job, line=f"predicted {len(inputs)} clip(s)")


def _sources_of(event, sources: dict | None) -> list[int | None]:
    """Whose timing a predicted movement is: the coder events its segment came from, [None] if the model found it."""
    if sources is None:
        return [None]
    found = sources.get((event.onset, event.apex, event.offset))
    if found is None:  # a plugin may fill in an apex the segment left open
        found = [s for (onset, _, offset), items in sources.items() if (onset, offset) == (event.onset, event.offset)
                 for s in items]
    if not found:
        raise ValueError(f"The plugin returned frames {event.onset}-{event.offset}, which it was not asked about.")
    return found


@transaction.atomic
def _store(batch, predictions, version: ModelVersion, job: Job) -> None:
    by_id = {prediction.clip_id: prediction for prediction in predictions}
    for clip, _, sources in batch:
        prediction = by_id.get(clip.pk)
        if prediction is None:
            raise ValueError(f"The plugin returned nothing for clip {clip.pk}.")
        if prediction.model_version != version.version:
            raise ValueError(f"The plugin stamped {prediction.model_version!r}, expected {version.version!r}.")
        Prediction.objects.bulk_create([
            Prediction(
                clip=clip, model_version=version, onset=event.onset, apex=event.apex, offset=event.offset,
                kind=event.kind, emotion_probs=event.emotion_probs,
                au_probs={str(number): p for number, p in event.au_probs.items()}, score=event.score, job=job,
                source_event_id=source,
            )
            for event in prediction.events for source in _sources_of(event, sources)
        ])
