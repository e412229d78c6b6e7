"""Review and adjudication: gold (reviewed) events made from the coders' ones, the lead accepting codes as they
are, and a comment thread per event. Every write is an EventRevision like any other code change."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from annotator.models import Clip, CodingEvent, EventComment, EventRevision
from annotator.permissions import (
    blind_coding_open, can_adjudicate, can_comment, can_mark_reviewed, can_see_event, role_for,
)
from annotator.services.events import BLIND_OPEN_MESSAGE, EDITABLE_FIELDS, record_revision, validate_event
from annotator.validation import validate_free_text

GOLD_FIELDS = tuple(name for name in EDITABLE_FIELDS if name != "status")
MAX_SOURCES = 20


@transaction.atomic
def gold_event_create(*, clip: Clip, user, from_events=(), **fields) -> CodingEvent:
    """A gold event on `clip`, authored by `user` (lead or reviewer): the fields of the first of `from_events`
    (ids of the coders' events it settles), overridden by `fields`; linked to all of them (derived_from)."""
    role = role_for(user, clip.project_id)
    if role is None:
        raise Http404("No such clip.")
    if not can_adjudicate(role):
        raise PermissionDenied("Only the project lead and reviewers make gold codes.")
    unknown = set(fields) - set(GOLD_FIELDS)
    if unknown:
        raise ValidationError({"fields": f"Unknown fields: {', '.join(sorted(unknown))}."})
    ids = list(dict.fromkeys(from_events))
    if len(ids) > MAX_SOURCES:
        raise ValidationError({"from_events": f"At most {MAX_SOURCES} source events."})
    sources = {event.pk: event for event in CodingEvent.objects.filter(pk__in=ids, clip=clip)}
    missing = [pk for pk in ids if pk not in sources]
    if missing:
        raise ValidationError({"from_events": f"No events {missing} on this clip."})
    if blind_coding_open(clip.pk):
        raise ValidationError({"clip": BLIND_OPEN_MESSAGE})
    base = {name: getattr(sources[ids[0]], name) for name in GOLD_FIELDS} if ids else {}
    event = CodingEvent(clip=clip, coder=user, **{**base, **fields}, status=CodingEvent.Status.REVIEWED)
    validate_event(event)
    event.save()
    event.derived_from.set(sources.values())
    record_revision(event, EventRevision.Action.CREATE, user)
    return event


@transaction.atomic
def event_mark_reviewed(*, events, user) -> list[CodingEvent]:
    """The lead accepts coders' events as gold as they are (single-coded studies): each becomes reviewed, a new
    version with its revision row. Ids the user may not see answer 404 like missing ones; nothing is written
    unless every event may be marked."""
    ids = list(dict.fromkeys(events))
    found = {event.pk: event for event in CodingEvent.objects.select_for_update().select_related(
        "clip__project").filter(pk__in=ids)}
    roles: dict[int, str | None] = {}
    for pk in ids:
        event = found.get(pk)
        if event is not None and event.clip.project_id not in roles:
            roles[event.clip.project_id] = role_for(user, event.clip.project_id)
        role = None if event is None else roles[event.clip.project_id]
        if event is None or not can_see_event(user, role, event):
            raise Http404(f"No such event {pk}.")
        if not can_mark_reviewed(role):
            raise PermissionDenied("Only the project lead marks codes reviewed.")
        if blind_coding_open(event.clip_id):
            raise ValidationError({"events": BLIND_OPEN_MESSAGE})
    changed = []
    for pk in ids:
        event = found[pk]
        if event.status == CodingEvent.Status.REVIEWED:
            continue
        event.status = CodingEvent.Status.REVIEWED
        event.version += 1
        event.save(update_fields=["status", "version", "updated_at"])
        record_revision(event, EventRevision.Action.UPDATE, user)
        changed.append(event)
    return changed


def event_comment_create(*, event: CodingEvent, user, role: str | None, text: str) -> EventComment:
    """`event` and `role` come from selectors.access.event_for_user (the event is visible to `user`)."""
    if not can_comment(user, role, event):
        raise PermissionDenied("Viewers read the discussion; coders, reviewers and the lead write in it.")
    text = validate_free_text(text, "text")
    if not text.strip():
        raise ValidationError({"text": "Write a comment."})
    return EventComment.objects.create(event=event, author=user, text=text)
