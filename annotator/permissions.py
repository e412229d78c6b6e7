"""Who may see and do what: the one module of predicates every page, API route, media response and job uses.

Roles per project: lead manages and codes, coder codes, reviewer reads every code, viewer reads the project.
Each rule is a predicate on (user, role, object) and, where a list is filtered, the same rule as a Q on the
object's fields, so a list never shows what the detail route would refuse. Services call these before they
write (check, then do); selectors filter with the Q forms. An object a user may not see answers 404 exactly
like a missing one, so nothing reveals that it exists.

Blind coding (issue 9) grows here: a coder's view of other coders' events, and of suggestions made from
them, is `sees_all_events` and `event_visible_q`; assignments and "both submitted" end blindness in those two.
"""

from django.db.models import Q

from annotator.models import CodingEvent, Membership

CODING_ROLES = {Membership.Role.LEAD, Membership.Role.CODER}
SEE_ALL_EVENTS_ROLES = {Membership.Role.LEAD, Membership.Role.REVIEWER}
READ_ALL_JOBS_ROLES = {Membership.Role.LEAD, Membership.Role.REVIEWER}
DETAILED_REPORT_ROLES = {Membership.Role.LEAD, Membership.Role.REVIEWER}
# Job kinds only the lead starts or retries: they use every coder's codes, or rebuild a clip's frames.
# Plain strings: annotator never imports mlbackend, whose kinds these are.
LEAD_JOB_KINDS = {"ingest", "preannotate", "train", "evaluate"}


def role_for(user, project) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    project_id = getattr(project, "pk", project)
    return Membership.objects.filter(project_id=project_id, user=user).values_list("role", flat=True).first()


def can_code(role: str | None) -> bool:
    return role in CODING_ROLES


def can_manage(role: str | None) -> bool:
    return role == Membership.Role.LEAD


# ---------- coding events ----------

def sees_all_events(role: str | None) -> bool:
    return role in SEE_ALL_EVENTS_ROLES


def event_visible_q(user, role: str | None, prefix: str = "") -> Q:
    """Events `user` may see, as a filter on a queryset whose event lies at `prefix` ("" or "source_event__").

    Lead and reviewer see every event; any other member sees their own events and reviewed (gold) events,
    never another coder's draft or submitted timing.
    """
    if sees_all_events(role):
        return Q()
    return Q(**{f"{prefix}coder": user}) | Q(**{f"{prefix}status": CodingEvent.Status.REVIEWED})


def can_see_event(user, role: str | None, event) -> bool:
    """Own events, reviewed events, and for lead and reviewer every event of the project."""
    if role is None:
        return False
    return sees_all_events(role) or event.coder_id == user.pk or event.status == CodingEvent.Status.REVIEWED


def can_edit_event(user, event, role: str | None = None) -> bool:
    role = role if role is not None else role_for(user, event.clip.project)
    return (role in CODING_ROLES and event.coder_id == user.pk) or role == Membership.Role.LEAD


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
    """Lead for LEAD_JOB_KINDS, lead or coder for the clip assists (analysis, apex proposals)."""
    return can_manage(role) if kind in LEAD_JOB_KINDS else can_code(role)


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
