"""Reads scoped to what a user may see. Another project's ids answer 404: nothing reveals they exist."""

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Subquery
from django.http import Http404

from annotator.models import Clip, CodingEvent, EventRevision, Job, Membership, Project
from annotator.permissions import (
    can_edit_event, can_read_job, can_see_event, event_visible_q, job_visible_q, sees_coder_on_clip,
)


def projects_for_user(user):
    role = Membership.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
    return Project.objects.filter(memberships__user=user).annotate(role=Subquery(role)).order_by("name")


def project_for_user(user, project_id: int) -> Project:
    project = projects_for_user(user).filter(pk=project_id).first()
    if project is None:
        raise Http404("No such project.")
    return project


def clips_for_user(user):
    return Clip.objects.filter(project__memberships__user=user).select_related("subject", "project")


def clip_for_user(user, clip_id: int) -> tuple[Clip, str]:
    clip = clips_for_user(user).filter(pk=clip_id).first()
    if clip is None:
        raise Http404("No such clip.")
    role = Membership.objects.filter(project_id=clip.project_id, user=user).values_list("role", flat=True).first()
    return clip, role


def events_visible(user, clip: Clip, role: str):
    return CodingEvent.objects.filter(event_visible_q(user, role), clip=clip).select_related("coder")


def event_for_user(user, event_id: int) -> tuple[CodingEvent, str]:
    event = CodingEvent.objects.select_related("clip__project", "coder").filter(
        pk=event_id, clip__project__memberships__user=user
    ).first()
    if event is None:
        raise Http404("No such event.")
    role = Membership.objects.filter(project_id=event.clip.project_id, user=user).values_list("role", flat=True).first()
    if not can_see_event(user, role, event):
        raise Http404("No such event.")
    return event, role


def event_history_for_user(user, event_id: int):
    """An event's revisions, also once it was deleted: for its coder, the lead and the reviewer, and for the
    other coders of a blind clip once all of them submitted (a reviewed event's history holds its coder's
    drafts, which other coders may not see before that)."""
    revisions = EventRevision.objects.filter(
        event_id_value=event_id, clip__project__memberships__user=user
    ).select_related("changed_by", "clip")
    first = revisions.first()
    if first is None:
        raise Http404("No such event.")
    role = Membership.objects.filter(project_id=first.clip.project_id, user=user).values_list("role", flat=True).first()
    if not sees_coder_on_clip(user, role, first.snapshot.get("coder"), first.clip_id):
        raise Http404("No such event.")
    return revisions


def deleted_events_restorable(user, clip: Clip, role: str) -> list[dict]:
    """The clip's deleted events the user could bring back (the last snapshot of each), newest deletion first."""
    live = CodingEvent.objects.filter(clip=clip).values("pk")
    deletions = (EventRevision.objects.filter(clip=clip, action=EventRevision.Action.DELETE)
                 .exclude(event_id_value__in=live).select_related("changed_by").order_by("-id"))
    found, seen = [], set()
    for deletion in deletions:
        snapshot = deletion.snapshot
        as_it_was = CodingEvent(pk=deletion.event_id_value, clip=clip, coder_id=snapshot["coder"],
                                status=snapshot["status"])
        if deletion.event_id_value in seen or not (can_see_event(user, role, as_it_was)
                                                   and can_edit_event(user, as_it_was, role)):
            continue
        seen.add(deletion.event_id_value)
        found.append({**snapshot, "deleted_by": deletion.changed_by.username, "deleted_at": deletion.changed_at})
    names = dict(get_user_model().objects.filter(pk__in={e["coder"] for e in found}).values_list("pk", "username"))
    return [{**e, "coder_name": names.get(e["coder"], "")} for e in found]


def clip_frame_access(user, clip_id: int) -> tuple[int, str, int] | None:
    """One query on the hot path of the frame endpoint: (frame_count, status, ingest_generation) or None."""
    return (
        Clip.objects.filter(pk=clip_id, project__memberships__user=user)
        .values_list("frame_count", "status", "ingest_generation").first()
    )


def job_for_user(user, job_id: int) -> tuple[Job, str]:
    """A job and the user's role in its project; 404 unless permissions.can_read_job."""
    job = Job.objects.filter(pk=job_id, project__memberships__user=user).first()
    role = None if job is None else Membership.objects.filter(
        project_id=job.project_id, user=user).values_list("role", flat=True).first()
    if job is None or not can_read_job(user, role, job):
        raise Http404("No such job.")
    return job, role


def jobs_for_user(user, project: Project):
    """The project's jobs `user` may read (`project.role` from project_for_user)."""
    return Job.objects.filter(job_visible_q(user, project.role), project=project)
