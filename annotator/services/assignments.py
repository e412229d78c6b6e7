"""Assignments: the lead hands clips to coders (two or more at once: blind double coding); a coder submits
their coding of a clip; the ML backend records how unsure its models are about a clip (the queue reads it)."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from annotator.models import Assignment, Clip, ClipUncertainty, CodingEvent, EventRevision, Membership, Project
from annotator.permissions import (
    blind_coding_open, can_assign, can_be_assigned, can_submit_coding, role_for, sees_all_events,
)
from annotator.services.clip_presence import coder_codes_changed_publish

MAX_CLIPS_PER_ASSIGNMENT = 5000


@transaction.atomic
def assignment_create(*, project: Project, clips, coders: list, assigned_by, due: date | None = None,
                      priority: int = 0) -> list[Assignment]:
    """Assign each clip to every coder in `coders`; two or more coders make the clip's coding blind.

    A clip already assigned to one of these coders keeps that assignment (its status and codes); the new
    coders join it, and the clip's assignments all become blind when it ends up with two or more coders."""
    if not can_assign(role_for(assigned_by, project)):
        raise PermissionDenied("Only the project lead assigns clips.")
    clips = list(clips)
    if not clips:
        raise ValidationError({"clips": "No clip matches: choose clips or widen the filter."})
    if len(clips) > MAX_CLIPS_PER_ASSIGNMENT:
        raise ValidationError({"clips": f"At most {MAX_CLIPS_PER_ASSIGNMENT} clips at once."})
    if any(clip.project_id != project.pk for clip in clips):
        raise ValidationError({"clips": "Every clip must belong to this project."})
    coders = list(dict.fromkeys(coders))
    if not coders:
        raise ValidationError({"coders": "Choose one coder, or two for blind double coding."})
    roles = dict(Membership.objects.filter(project=project, user__in=coders).values_list("user_id", "role"))
    not_coding = [coder.username for coder in coders if not can_be_assigned(roles.get(coder.pk))]
    if not_coding:
        raise ValidationError({"coders": f"Not a coder or lead of this project: {', '.join(not_coding)}."})
    sighted = [coder.username for coder in coders if sees_all_events(roles.get(coder.pk))]
    if len(coders) >= 2 and sighted:
        raise ValidationError({"coders": f"{', '.join(sighted)} sees every coder's codes: blind double coding "
                                         f"needs coders in the coder role."})
    created = []
    for clip in clips:
        for coder in coders:
            assignment, made = Assignment.objects.get_or_create(
                clip=clip, coder=coder, defaults={"due": due, "priority": priority, "assigned_by": assigned_by})
            if made:
                created.append(assignment)
        if Assignment.objects.filter(clip=clip).count() >= 2:
            Assignment.objects.filter(clip=clip, blind=False).update(blind=True)
    return created


@transaction.atomic
def assignment_delete(*, assignment: Assignment, user) -> None:
    """The lead withdraws an assignment that has not been submitted (the coder's codes stay)."""
    if not can_assign(role_for(user, assignment.clip.project_id)):
        raise PermissionDenied("Only the project lead withdraws assignments.")
    if assignment.status == Assignment.Status.SUBMITTED:
        raise ValidationError({"assignment": "A submitted coding is part of the record; it is not withdrawn."})
    assignment.delete()


def assignment_mark_started(*, clip: Clip, coder) -> None:
    """Called by the event services: the coder's first code on an assigned clip starts the assignment."""
    Assignment.objects.filter(clip=clip, coder=coder, status=Assignment.Status.NOT_STARTED).update(
        status=Assignment.Status.IN_PROGRESS)


@transaction.atomic
def coding_submit(*, clip: Clip, user) -> int:
    """Submit `user`'s coding of `clip`: every draft of theirs on it becomes submitted (a new version each,
    kept in history) and their assignment, if any, is submitted. Returns the number of events submitted."""
    if not can_submit_coding(role_for(user, clip.project_id)):
        raise PermissionDenied("Your role in this project does not allow coding.")
    if clip.status != Clip.Status.READY:
        raise ValidationError({"clip": "This clip is not ready for coding."})
    assignment = Assignment.objects.select_for_update().filter(clip=clip, coder=user).first()
    if assignment is not None and assignment.status == Assignment.Status.SUBMITTED:
        raise ValidationError({"clip": "You have already submitted your coding of this clip."})
    from annotator.services.events import event_snapshot

    drafts = list(CodingEvent.objects.select_for_update().filter(clip=clip, coder=user,
                                                                  status=CodingEvent.Status.DRAFT))
    for event in drafts:
        event.status = CodingEvent.Status.SUBMITTED
        event.version += 1
        event.save(update_fields=["status", "version", "updated_at"])
        EventRevision.objects.create(event_id_value=event.pk, clip_id=clip.pk, action=EventRevision.Action.UPDATE,
                                     version=event.version, snapshot=event_snapshot(event), changed_by=user)
    if assignment is not None:
        assignment.status = Assignment.Status.SUBMITTED
        assignment.submitted_at = timezone.now()
        assignment.save(update_fields=["status", "submitted_at"])
    if drafts:
        coder_codes_changed_publish(clip.pk, [user.pk])
    if assignment is not None and assignment.blind and not blind_coding_open(clip.pk):
        # The last blind coder submitted: every coder's codes are now visible to the others, whose open pages
        # would otherwise show only their own until the next change or a reload.
        others = CodingEvent.objects.filter(clip=clip).exclude(coder=user).values_list("coder_id", flat=True)
        coder_codes_changed_publish(clip.pk, sorted(set(others)))
    return len(drafts)


def clip_uncertainty_set(*, clip: Clip, source: str, top_probability: float, top_label: str = "") -> ClipUncertainty:
    """Record a model's confidence on a clip (the ML backend calls this; no user: a job's own write)."""
    if not 0.0 <= top_probability <= 1.0:
        raise ValidationError({"top_probability": "A probability lies between 0 and 1."})
    row, _ = ClipUncertainty.objects.update_or_create(
        clip=clip, source=source[:64], defaults={"top_probability": float(top_probability),
                                                 "top_label": top_label[:64]})
    return row


def clip_uncertainty_clear(*, project: Project, source: str) -> int:
    """Forget a model source's judgements in a project (its active model changed)."""
    deleted, _ = ClipUncertainty.objects.filter(clip__project=project, source=source[:64]).delete()
    return deleted
