"""Reads that turn annotator's clips and codes into contract dataclasses for plugins."""

from collections import defaultdict

import numpy as np
from django.conf import settings
from django.db.models import OuterRef, Subquery

from annotator.media.framestore import FrameStore
from annotator.models import Clip, CodingEvent
from mlbackend.contract import AU, ClipInput, Event, LabeledClip, Segment
from mlbackend.frames import StoredFrames
from mlbackend.models import ModelVersion, Prediction, PredictionAcceptance

LABEL_STATUSES = {
    ModelVersion.LabelSource.SUBMITTED: [CodingEvent.Status.SUBMITTED, CodingEvent.Status.REVIEWED],
    ModelVersion.LabelSource.REVIEWED: [CodingEvent.Status.REVIEWED],
}


def clip_input(clip: Clip, segments: tuple[Segment, ...] = ()) -> ClipInput:
    store = FrameStore(settings.MEDIA_ROOT, clip.pk)
    faces = StoredFrames(store.face_path, clip.frame_count) if clip.face_status == Clip.FaceStatus.READY else None
    landmarks = np.load(store.landmarks_path, allow_pickle=False) if store.landmarks_path.exists() else None
    return ClipInput(
        clip_id=clip.pk, subject=clip.subject.code, dataset=clip_dataset(clip), fps=clip.fps or clip.project.default_fps,
        n_frames=clip.frame_count, frames=StoredFrames(store.frame_path, clip.frame_count), faces=faces,
        landmarks=landmarks, segments=segments,
    )


def clip_dataset(clip: Clip) -> str:
    return clip.dataset or clip.project.name


def to_event(event: CodingEvent) -> Event:
    return Event(
        onset=event.onset, apex=event.apex, offset=event.offset, kind=event.kind, emotion=event.emotion,
        aus=tuple(AU(number=a["number"], side=a.get("side", "both"), intensity=a.get("intensity")) for a in event.aus),
    )


def labelled_events(project, label_source: str):
    return (CodingEvent.objects.filter(clip__project=project, clip__status=Clip.Status.READY,
                                       status__in=LABEL_STATUSES[label_source])
            .select_related("clip__subject", "clip__project").order_by("clip_id", "onset", "id"))


def labeled_clips(project, label_source: str) -> tuple[list[LabeledClip], dict]:
    """Every ready clip with codes of the chosen status, and a snapshot of exactly which codes."""
    by_clip: dict[int, list[CodingEvent]] = defaultdict(list)
    clips: dict[int, Clip] = {}
    for event in labelled_events(project, label_source):
        by_clip[event.clip_id].append(event)
        clips[event.clip_id] = event.clip
    data = [LabeledClip(clip=clip_input(clips[cid]), events=tuple(to_event(e) for e in events))
            for cid, events in by_clip.items()]
    snapshot = {
        "label_source": label_source,
        "events": [[e.pk, e.version] for events in by_clip.values() for e in events],
        "clips": sorted(by_clip), "subjects": sorted({clips[cid].subject.code for cid in by_clip}),
    }
    return data, snapshot


def segments_for_clip(clip: Clip) -> tuple[Segment, ...]:
    """Where to recognise: the timings coders marked, plus movements a spotter found; duplicates once."""
    found = {(e.onset, e.apex, e.offset) for e in CodingEvent.objects.filter(clip=clip)}
    found |= {(p.onset, p.apex, p.offset) for p in Prediction.objects.filter(clip=clip, model_version__plugin__in=spotters())}
    return tuple(Segment(*timing) for timing in sorted(found, key=lambda t: (t[0], t[2])))


def spotters() -> list[str]:
    from mlbackend.contract import SPOTTING
    from mlbackend.registry import get_plugin_class, plugin_names

    return [name for name in plugin_names() if SPOTTING in get_plugin_class(name).capabilities]


def active_version(project, plugin: str) -> ModelVersion | None:
    return ModelVersion.objects.filter(project=project, plugin=plugin, active=True).first()


def predictions_for_clip(clip: Clip, user, *, active_only: bool = True):
    """The suggestions a coder sees: those of active model versions, each with the user's event it went into."""
    taken = PredictionAcceptance.objects.filter(prediction=OuterRef("pk"), accepted_by=user, event__isnull=False)
    predictions = Prediction.objects.filter(clip=clip).select_related("model_version")
    if active_only:
        predictions = predictions.filter(model_version__active=True)
    return predictions.annotate(accepted_event=Subquery(taken.order_by("-accepted_at").values("event_id")[:1])) \
        .order_by("onset", "id")
