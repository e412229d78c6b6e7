"""Reads that turn annotator's clips and codes into contract dataclasses for plugins."""

from collections import defaultdict

import numpy as np
from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.http import Http404

from annotator.media.framestore import FrameStore
from annotator.models import Clip, CodingEvent
from annotator.permissions import can_read_report_details, prediction_visible_q, role_for
from mlbackend.contract import AU, ClipInput, Event, LabeledClip, Segment
from mlbackend.frames import StoredFrames
from mlbackend.models import EvaluationReport, ModelVersion, Prediction, PredictionAcceptance

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


Timing = tuple[int, int | None, int]
# Codes whose timing pre-annotation recognises. Drafts never: a coder still working has not given them to anyone.
SEGMENT_STATUSES = [CodingEvent.Status.SUBMITTED, CodingEvent.Status.REVIEWED]


def segment_sources(clip: Clip) -> dict[Timing, list[int | None]]:
    """Where to recognise, and whose timing each is: {(onset, apex, offset): [source event id, or None]}.

    None is a movement a spotter found. A timing that a spotter or a reviewed (gold) event gives is visible to
    every member, so it keeps that one source; a timing only coders' submitted events give keeps one source
    per event, so each suggestion is shown only to whom permissions.prediction_visible_q lets see its event.
    """
    found: dict[Timing, list[tuple[int | None, str]]] = defaultdict(list)
    for p in Prediction.objects.filter(clip=clip, model_version__plugin__in=spotters(), source_event__isnull=True):
        found[(p.onset, p.apex, p.offset)].append((None, ""))
    for e in CodingEvent.objects.filter(clip=clip, status__in=SEGMENT_STATUSES).order_by("id"):
        found[(e.onset, e.apex, e.offset)].append((e.pk, e.status))
    sources = {}
    for timing, items in sorted(found.items(), key=lambda item: (item[0][0], item[0][2])):
        shared = [source for source, status in items if source is None or status == CodingEvent.Status.REVIEWED]
        sources[timing] = shared[:1] or [source for source, _ in items]
    return sources


def spotters() -> list[str]:
    from mlbackend.contract import SPOTTING
    from mlbackend.registry import get_plugin_class, plugin_names

    return [name for name in plugin_names() if SPOTTING in get_plugin_class(name).capabilities]


def active_version(project, plugin: str) -> ModelVersion | None:
    return ModelVersion.objects.filter(project=project, plugin=plugin, active=True).first()


def predictions_for_user(user, role: str | None):
    """Every suggestion `user` may see or accept (permissions.prediction_visible_q), in the projects they belong to."""
    return Prediction.objects.filter(prediction_visible_q(user, role), clip__project__memberships__user=user)


def prediction_for_user(user, prediction_id: int) -> Prediction:
    """One suggestion; a hidden one answers 404 exactly like a missing one."""
    prediction = Prediction.objects.select_related("clip__project").filter(
        pk=prediction_id, clip__project__memberships__user=user).first()
    role = None if prediction is None else role_for(user, prediction.clip.project_id)
    if prediction is None or not predictions_for_user(user, role).filter(pk=prediction_id).exists():
        raise Http404("No such prediction.")
    return prediction


def predictions_for_clip(clip: Clip, user, role: str | None, *, active_only: bool = True):
    """The suggestions a member sees: those of active model versions that permissions.prediction_visible_q lets
    them see, each with the user's event it went into."""
    taken = PredictionAcceptance.objects.filter(prediction=OuterRef("pk"), accepted_by=user, event__isnull=False)
    predictions = Prediction.objects.filter(prediction_visible_q(user, role), clip=clip).select_related("model_version")
    if active_only:
        predictions = predictions.filter(model_version__active=True)
    return predictions.annotate(accepted_event=Subquery(taken.order_by("-accepted_at").values("event_id")[:1])) \
        .order_by("onset", "id")


def report_for_user(user, report_id: int) -> tuple[EvaluationReport, bool]:
    """A report of a project the user belongs to, and whether they may read its per-sample details."""
    report = EvaluationReport.objects.select_related("project", "model_version").filter(
        pk=report_id, project__memberships__user=user).first()
    if report is None:
        raise Http404("No such report.")
    return report, can_read_report_details(role_for(user, report.project_id))
