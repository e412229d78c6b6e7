"""Roles: lead manages and codes, coder codes, reviewer reads every code, viewer reads."""

from annotator.models import Membership

CODING_ROLES = {Membership.Role.LEAD, Membership.Role.CODER}
SEE_ALL_EVENTS_ROLES = {Membership.Role.LEAD, Membership.Role.REVIEWER}


def role_for(user, project) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.filter(project=project, user=user).values_list("role", flat=True).first()


def can_code(role: str | None) -> bool:
    return role in CODING_ROLES


def can_manage(role: str | None) -> bool:
    return role == Membership.Role.LEAD


def can_edit_event(user, event) -> bool:
    role = role_for(user, event.clip.project)
    return (role in CODING_ROLES and event.coder_id == user.pk) or role == Membership.Role.LEAD
