"""Who may see and do what: the one module of predicates every page, API route, media response and job uses.

Roles per project: lead manages and codes, coder codes, reviewer reads every code, viewer reads the project.
Each rule is a predicate on (user, role, object) and, where a list is filtered, the same rule as a Q on the
object's fields, so a list never shows what the detail route would refuse. Services call these before they
write (check, then do); selectors filter with the Q forms. An object a user may not see answers 404 exactly
like a missing one, so nothing reveals that it exists.

Blind coding: a clip assigned to two or more coders at once (Assignment.blind) hides each coder's events from
the others, and suggestions made from them, until every blind assignment of the clip is submitted; then the
coders of that clip see each other's codes (`unblinded_clips`). Outside that, a coder sees their own events and
gold (reviewed) ones, and suggestions made by a model alone or from those.
"""

from django.db.models import Exists, OuterRef, Q

from annotator.jobkinds import job_kind
from annotator.models import Assignment, CodingEvent, Membership

CODING_ROLES = {Membership.Role.LEAD, Membership.Role.CODER}
SEE_ALL_EVENTS_ROLES = {Membership.Role.LEAD, Membership.Role.REVIEWER}
READ_ALL_JOBS_ROLES = {Membership.Role.LEAD, Membership.Role.REVIEWER}
DETAILED_REPORT_ROLES = {Membership.Role.LEAD, Membership.Role.REVIEWER}


def role_for(user, project) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    project_id = getattr(project, "pk", project)
    return Membership.objects.filter(project_id=project_id, user=user).values_list("role", flat=True).first()


def can_code(role: str | None) -> bool:
    return role in CODING_ROLES


def can_manage(role: str | None) -> bool:
    return role == Membership.Role.LEAD


# ---------- site administration and project set-up ----------

def is_site_admin(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and (user.is_staff or user.is_superuser))


def can_create_accounts(user) -> bool:
    return is_site_admin(user)


def can_create_project(user) -> bool:
    """Site admins, and anyone who already leads a project (a lab lead starting the next study)."""
    return is_site_admin(user) or (getattr(user, "is_authenticated", False) and Membership.objects.filter(
        user=user, role=Membership.Role.LEAD).exists())


# ---------- assignments ----------

def can_assign(role: str | None) -> bool:
    return can_manage(role)


def can_be_assigned(role: str | None) -> bool:
    return can_code(role)


def sees_all_assignments(role: str | None) -> bool:
    """Lead and reviewer see every coder's queue; a coder sees who else codes a clip, never their codes."""
    return role in SEE_ALL_EVENTS_ROLES


def can_submit_coding(role: str | None) -> bool:
    return can_code(role)


def coding_locked(user, role: str | None, clip_id: int) -> bool:
    """A coder's codes on a clip are frozen once they submitted its assignment: the agreement figures compare
    what each coder saw blind. The lead still edits (adjudication is theirs)."""
    return not can_manage(role) and Assignment.objects.filter(
        clip_id=clip_id, coder=user, status=Assignment.Status.SUBMITTED).exists()


# ---------- coding events ----------

def sees_all_events(role: str | None) -> bool:
    return role in SEE_ALL_EVENTS_ROLES


def unblinded_clips(user):
    """Ids of the clips where `user` coded blind and blindness has ended: every blind assignment submitted."""
    still_blind = Assignment.objects.filter(clip=OuterRef("clip"), blind=True).exclude(
        status=Assignment.Status.SUBMITTED)
    return Assignment.objects.filter(coder=user, blind=True, status=Assignment.Status.SUBMITTED).filter(
        ~Exists(still_blind)).values("clip")


def event_visible_q(user, role: str | None, prefix: str = "") -> Q:
    """Events `user` may see, as a filter on a queryset whose event lies at `prefix` ("" or "source_event__").

    Lead and reviewer see every event; any other member sees their own events, reviewed (gold) events, and the
    other coders' events on clips they double-coded blind once all of those codings are submitted; never
    another coder's draft or submitted timing before that.
    """
    if sees_all_events(role):
        return Q()
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    return (Q(**{f"{prefix}coder": user}) | Q(**{f"{prefix}status": CodingEvent.Status.REVIEWED})
            | Q(**{f"{prefix}clip__in": unblinded_clips(user)}))


def sees_coder_on_clip(user, role: str | None, coder_id: int | None, clip_id: int) -> bool:
    """Whether `user` may see every code (and history) `coder_id` made on the clip: event_visible_q without
    the gold exception."""
    if role is None:
        return False
    return (sees_all_events(role) or coder_id == user.pk
            or unblinded_clips(user).filter(clip=clip_id).exists())


def can_see_event(user, role: str | None, event) -> bool:
    """event_visible_q for one event: own, reviewed, after blindness ended, and for lead and reviewer all."""
    if role is None:
        return False
    return event.status == CodingEvent.Status.REVIEWED or sees_coder_on_clip(user, role, event.coder_id,
                                                                              event.clip_id)


def can_edit_event(user, event, role: str | None = None) -> bool:
    """Its coder and the lead; a reviewer edits gold (reviewed) events, theirs or not: adjudication."""
    role = role if role is not None else role_for(user, event.clip.project)
    return ((role in CODING_ROLES and event.coder_id == user.pk) or role == Membership.Role.LEAD
            or (role == Membership.Role.REVIEWER and event.status == CodingEvent.Status.REVIEWED))


def can_set_event_status(role: str | None, current: str, new: str) -> bool:
    """Only the lead marks a coder's event reviewed; a reviewer's gold event stays reviewed."""
    if new == current:
        return True
    if new == CodingEvent.Status.REVIEWED:
        return can_manage(role)
    return role in CODING_ROLES


# ---------- review, adjudication and comments ----------

def can_adjudicate(role: str | None) -> bool:
    """Make gold (reviewed) events from the coders' ones: the lead and the reviewer."""
    return role in SEE_ALL_EVENTS_ROLES


def can_mark_reviewed(role: str | None) -> bool:
    """Accept a coder's events as they are (single-coded studies): the lead."""
    return can_manage(role)


def blind_coding_open(clip_id: int) -> bool:
    """A blind assignment of the clip is not submitted yet. A gold event is visible to every member, so while
    this holds none may be made: it would show one blind coder's timing to the other."""
    return Assignment.objects.filter(clip_id=clip_id, blind=True).exclude(
        status=Assignment.Status.SUBMITTED).exists()


def can_comment(user, role: str | None, event) -> bool:
    """Whoever sees the event and takes part in coding or review; a viewer reads the thread."""
    return role in CODING_ROLES | SEE_ALL_EVENTS_ROLES and can_see_event(user, role, event)


# ---------- audit ----------

def can_read_audit(role: str | None) -> bool:
    return can_manage(role)


# ---------- model suggestions ----------

def prediction_visible_q(user, role: str | None) -> Q:
    """Suggestions `user` may see or accept: those whose timing came from a model (a spotter, or a plugin that
    found the movement itself: no source event) or from an event `user` may see (event_visible_q). A
    suggestion made on another coder's unreviewed timing would show that coder's onset, apex and offset.
    """
    if sees_all_events(role):
        return Q()
    return Q(source_event__isnull=True) | event_visible_q(user, role, prefix="source_event__")


# ---------- clips ----------

def can_reingest(role: str | None) -> bool:
    """Only the lead rebuilds a clip's frames: while it runs the clip answers 404 to everyone."""
    return can_manage(role)


# ---------- jobs ----------

def can_read_job(user, role: str | None, job) -> bool:
    """A job's state, log and result: its creator, and the project's lead and reviewer."""
    return role is not None and (role in READ_ALL_JOBS_ROLES or (job.created_by_id is not None
                                                                  and job.created_by_id == user.pk))


def job_visible_q(user, role: str | None) -> Q:
    """can_read_job as a filter on Job rows of one project."""
    return Q() if role in READ_ALL_JOBS_ROLES else Q(created_by=user)


def can_start_job(role: str | None, kind: str) -> bool:
    """As the kind's registration says (annotator/jobkinds.py): the lead, or any coding member for clip assists."""
    if job_kind(kind).started_by == "coder":
        return can_code(role)
    return can_manage(role)


def can_retry_job(user, role: str | None, job) -> bool:
    """Whoever may read the job and may start a job of its kind."""
    return can_read_job(user, role, job) and can_start_job(role, job.kind)


def can_cancel_job(user, role: str | None, job) -> bool:
    return can_manage(role) or (role is not None and job.created_by_id == user.pk)


# ---------- evaluation reports ----------

def can_read_report_details(role: str | None) -> bool:
    """Per-sample rows (clip, subject, timing, true label) and per-video spotting truth: lead and reviewer.
    Every member reads the pooled and per-subject figures."""
    return role in DETAILED_REPORT_ROLES
