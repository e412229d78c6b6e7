"""Audit rows: one call per thing a lab must be able to show later. Code changes are not written here: every
create, update, delete and restore of a code is an EventRevision row already (services/events.py), and the
audit page reads both (selectors/audit.py)."""

import hashlib

from django.core.cache import cache

from annotator.models import AuditEntry, Clip

# A person looking at a clip is recorded once per login session (or API token) and clip, not per frame.
MEDIA_VIEW_REMEMBER_S = 12 * 3600


def audit_record(*, user, action: str, project=None, object_type: str = "", object_id: int | None = None,
                 before=None, after=None, detail: str = "") -> AuditEntry:
    return AuditEntry.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None, action=action,
        project_id=getattr(project, "pk", project), object_type=object_type, object_id=object_id,
        before=before, after=after, detail=detail[:300],
    )


def viewer_key(request, user) -> str:
    """Who is looking, as the cache knows it: the login session, else the API token (hashed), else the user."""
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        return f"s:{hashlib.sha256(session_key.encode()).hexdigest()[:32]}"
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        return f"t:{hashlib.sha256(header.encode()).hexdigest()[:32]}"
    return f"u:{user.pk}"


def media_view_record(*, request, user, clip_id: int, project_id: int | None = None) -> bool:
    """Record that `user` saw the clip's frames, once per (session or token, clip). The common case (already
    recorded) costs one cache lookup and no query: it sits on the frame endpoint's hot path."""
    if not cache.add(f"audit:media:{viewer_key(request, user)}:{clip_id}", 1, MEDIA_VIEW_REMEMBER_S):
        return False
    if project_id is None:
        project_id = Clip.objects.filter(pk=clip_id).values_list("project_id", flat=True).first()
    audit_record(user=user, action=AuditEntry.Action.MEDIA_VIEW, project=project_id, object_type="clip",
                 object_id=clip_id)
    return True
