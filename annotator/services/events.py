"""Coding events: every write checks the frames, the vocabulary and the version, and is kept in history."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from annotator.models import Clip, CodingEvent, EventRevision
from annotator.permissions import (
    blind_coding_open, can_code, can_edit_event, can_see_event, can_set_event_status, coding_locked, role_for,
)
from annotator.services.assignments import assignment_mark_started
from annotator.services.clip_presence import clip_changed_publish
from annotator.validation import normalise_aus, validate_free_text

EDITABLE_FIELDS = ("onset", "apex", "offset", "kind", "emotion", "aus", "notes", "status")


class EventConflict(Exception):
    """The event changed since the client read it; `current` is the saved state."""

    def __init__(self, current: CodingEvent):
        super().__init__(f"Event {current.pk} is at version {current.version}.")
        self.current = current


def event_snapshot(event: CodingEvent) -> dict:
    return {
        "id": event.pk, "clip": event.clip_id, "coder": event.coder_id, "onset": event.onset, "apex": event.apex,
        "offset": event.offset, "kind": event.kind, "emotion": event.emotion, "aus": event.aus,
        "notes": event.notes, "status": event.status, "version": event.version,
    }


def _frame(value, name: str, clip: Clip) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError({name: f"{name} must be a whole frame number."})
    if not 0 <= value < clip.frame_count:
        raise ValidationError({name: f"{name} {value} is outside the clip (frames 0 to {clip.frame_count - 1})."})
    return value


def validate_event(event: CodingEvent) -> None:
    clip = event.clip
    if clip.status != Clip.Status.READY:
        raise ValidationError({"clip": "This clip is not ready for coding yet."})
    if event.onset is None or event.offset is None:
        raise ValidationError({"onset": "An event needs an onset and an offset frame."})
    onset = _frame(event.onset, "onset", clip)
    offset = _frame(event.offset, "offset", clip)
    apex = _frame(event.apex, "apex", clip)
    if onset > offset:
        raise ValidationError({"offset": f"Offset {offset} comes before onset {onset}."})
    if apex is not None and not onset <= apex <= offset:
        raise ValidationError({"apex": f"Apex {apex} must lie between onset {onset} and offset {offset}."})
    if event.kind not in CodingEvent.Kind.values or event.kind not in clip.project.event_kinds:
        raise ValidationError({"kind": f"Kind must be one of this project's kinds: "
                                       f"{', '.join(clip.project.event_kinds)}."})
    if event.status not in CodingEvent.Status.values:
        raise ValidationError({"status": "Status must be draft, submitted or reviewed."})
    if event.emotion and event.emotion not in clip.project.emotion_labels:
        raise ValidationError({"emotion": f"{event.emotion!r} is not one of this project's emotion labels."})
    event.aus = normalise_aus(event.aus, set(clip.project.au_set))
    event.notes = validate_free_text(event.notes, "notes")


def record_revision(event: CodingEvent, action: str, user) -> None:
    EventRevision.objects.create(
        event_id_value=event.pk, clip_id=event.clip_id, action=action, version=event.version,
        snapshot=event_snapshot(event), changed_by=user,
    )
    clip_changed_publish(event)


LOCKED_MESSAGE = "You submitted your coding of this clip; the lead can change it."


def _require_coder(clip: Clip, user) -> None:
    role = role_for(user, clip.project)
    if not can_code(role):
        raise PermissionDenied("Your role in this project does not allow coding.")
    if coding_locked(user, role, clip.pk):
        raise PermissionDenied(LOCKED_MESSAGE)


def _lock_for_edit(*, event_id: int, user, action: str) -> tuple[CodingEvent, str]:
    """The event, locked, and the user's role; a missing event and one the user may not see are the same 404."""
    event = CodingEvent.objects.select_for_update().select_related("clip__project").filter(pk=event_id).first()
    role = None if event is None else role_for(user, event.clip.project)
    if event is None or not can_see_event(user, role, event):
        raise Http404("No such event.")
    if not can_edit_event(user, event, role):
        raise PermissionDenied(f"Only the event's coder or the project lead may {action} it.")
    if coding_locked(user, role, event.clip_id):
        raise PermissionDenied(LOCKED_MESSAGE)
    return event, role


@transaction.atomic
def event_create(*, clip: Clip, coder, **fields) -> CodingEvent:
    _require_coder(clip, coder)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({"fields": f"Unknown fields: {', '.join(sorted(unknown))}."})
    if fields.get("status") == CodingEvent.Status.REVIEWED:
        raise ValidationError({"status": "A new event starts as draft or submitted; a lead reviews it afterwards."})
    event = CodingEvent(clip=clip, coder=coder, **fields)
    validate_event(event)
    event.save()
    record_revision(event, EventRevision.Action.CREATE, coder)
    assignment_mark_started(clip=clip, coder=coder)
    return event


def _apply_changes(event: CodingEvent, role: str | None, changes: dict) -> bool:
    """Check and apply `changes`; False (and nothing saved) when they change nothing."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({"fields": f"Unknown fields: {', '.join(sorted(unknown))}."})
    new_status = changes.get("status", event.status)
    if not can_set_event_status(role, event.status, new_status):
        raise PermissionDenied("Only the project lead marks an event as reviewed; a gold event stays reviewed.")
    if new_status == CodingEvent.Status.REVIEWED != event.status and blind_coding_open(event.clip_id):
        raise ValidationError({"status": BLIND_OPEN_MESSAGE})
    before = {name: getattr(event, name) for name in changes}
    for name, value in changes.items():
        setattr(event, name, value)
    validate_event(event)
    if all(getattr(event, name) == value for name, value in before.items()):
        return False  # a suggestion taken twice, a repeated save: no new version, no revision
    event.version += 1
    event.save()
    return True


BLIND_OPEN_MESSAGE = ("The clip's blind coding is still open: a reviewed code is shown to every coder, so review "
                      "waits until every blind coder submitted.")


@transaction.atomic
def event_update(*, event_id: int, user, version: int, changes: dict) -> CodingEvent:
    event, role = _lock_for_edit(event_id=event_id, user=user, action="change")
    if version != event.version:
        raise EventConflict(event)
    if _apply_changes(event, role, changes):
        record_revision(event, EventRevision.Action.UPDATE, user)
    return event


@transaction.atomic
def event_restore(*, event_id: int, version: int, user, expected_version: int) -> CodingEvent:
    """Bring back the fields an older version had, as a new version (history is never rewritten). Same
    permission and optimistic lock as event_update: `expected_version` is the version the client loaded."""
    event, role = _lock_for_edit(event_id=event_id, user=user, action="restore")
    if expected_version != event.version:
        raise EventConflict(event)
    old = EventRevision.objects.filter(event_id_value=event.pk, version=version).exclude(
        action=EventRevision.Action.DELETE).order_by("-id").first()
    if old is None or version >= event.version:
        raise ValidationError({"version": f"Version {version} is not an earlier version of this event."})
    if _apply_changes(event, role, {name: old.snapshot[name] for name in EDITABLE_FIELDS if name in old.snapshot}):
        record_revision(event, EventRevision.Action.RESTORE, user)
    return event


@transaction.atomic
def event_delete(*, event_id: int, user, version: int) -> None:
    event, _ = _lock_for_edit(event_id=event_id, user=user, action="delete")
    if version != event.version:
        raise EventConflict(event)
    event.version += 1
    record_revision(event, EventRevision.Action.DELETE, user)
    event.delete()


def deleted_event_snapshot(*, event_id: int, user) -> tuple[Clip, dict, int]:
    """The clip, last snapshot and version of a deleted event the user may bring back (404 as for a live event)."""
    deletion = EventRevision.objects.select_related("clip__project").filter(
        event_id_value=event_id, action=EventRevision.Action.DELETE).order_by("-id").first()
    if deletion is None or CodingEvent.objects.filter(pk=event_id).exists():
        raise Http404("No such deleted event.")
    clip, snapshot = deletion.clip, deletion.snapshot
    as_it_was = CodingEvent(pk=event_id, clip=clip, coder_id=snapshot["coder"], status=snapshot["status"])
    role = role_for(user, clip.project)
    if not can_see_event(user, role, as_it_was):
        raise Http404("No such deleted event.")
    if not can_edit_event(user, as_it_was, role):
        raise PermissionDenied("Only the event's coder or the project lead may restore it.")
    if coding_locked(user, role, clip.pk):
        raise PermissionDenied(LOCKED_MESSAGE)
    return clip, snapshot, deletion.version


def event_undelete(*, event_id: int, user) -> CodingEvent:
    """Bring a deleted event back under its own id, with the fields it had, as the version after its deletion:
    its history reads create, ..., delete, restore. A reviewed (gold) event returns as it was, so not while the
    clip's blind coding is open."""
    try:
        with transaction.atomic():
            clip, snapshot, deleted_version = deleted_event_snapshot(event_id=event_id, user=user)
            event = CodingEvent(pk=event_id, clip=clip, coder_id=snapshot["coder"], version=deleted_version + 1,
                                **{name: snapshot[name] for name in EDITABLE_FIELDS if name in snapshot})
            if event.status == CodingEvent.Status.REVIEWED and blind_coding_open(clip.pk):
                raise ValidationError({"status": BLIND_OPEN_MESSAGE})
            validate_event(event)
            event.save(force_insert=True)
            record_revision(event, EventRevision.Action.RESTORE, user)
            return event
    except IntegrityError:  # restored by someone else a moment ago
        raise ValidationError({"event": f"Event {event_id} was already restored."}) from None
