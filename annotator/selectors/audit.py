"""The audit trail of a project: AuditEntry rows and the code changes (EventRevision rows) as one list."""

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from annotator.models import AuditEntry, EventRevision

CODE_ACTIONS = {f"code.{action}": action for action in EventRevision.Action.values}
ACTIONS = [*AuditEntry.Action.values, *CODE_ACTIONS]


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    user: str
    action: str
    object_type: str
    object_id: int | None
    before: object
    after: object
    detail: str


def _bounds(since: date | None, until: date | None) -> dict:
    tz = timezone.get_current_timezone()
    bounds = {}
    if since:
        bounds["gte"] = datetime.combine(since, time.min, tz)
    if until:
        bounds["lt"] = datetime.combine(until + timedelta(days=1), time.min, tz)
    return bounds


def audit_rows(project, *, username: str = "", action: str = "", since: date | None = None,
               until: date | None = None, limit: int = 500) -> list[AuditRow]:
    """Newest first, at most `limit`. Code changes carry the version before (none for a create) and after."""
    bounds = _bounds(since, until)
    rows = []
    if not action or action in AuditEntry.Action.values:
        entries = AuditEntry.objects.filter(project=project).select_related("user")
        if action:
            entries = entries.filter(action=action)
        if username:
            entries = entries.filter(user__username=username)
        entries = entries.filter(**{f"at__{op}": value for op, value in bounds.items()})
        rows += [AuditRow(e.at, e.user.username if e.user else "system", e.action, e.object_type, e.object_id,
                          e.before, e.after, e.detail) for e in entries[:limit]]
    if not action or action in CODE_ACTIONS:
        revisions = EventRevision.objects.filter(clip__project=project).select_related("changed_by")
        if action:
            revisions = revisions.filter(action=CODE_ACTIONS[action])
        if username:
            revisions = revisions.filter(changed_by__username=username)
        revisions = revisions.filter(**{f"changed_at__{op}": value for op, value in bounds.items()})
        revisions = list(revisions.order_by("-changed_at", "-id")[:limit])
        previous = _previous_snapshots(revisions)
        rows += [AuditRow(r.changed_at, r.changed_by.username, f"code.{r.action}", "event", r.event_id_value,
                          previous.get(r.pk), r.snapshot, f"clip {r.clip_id}, version {r.version}") for r in revisions]
    rows.sort(key=lambda row: row.at, reverse=True)
    return rows[:limit]


def _previous_snapshots(revisions: list[EventRevision]) -> dict[int, dict]:
    """Revision id -> the state before it (the event's previous revision), in one query."""
    history = EventRevision.objects.filter(event_id_value__in={r.event_id_value for r in revisions}).order_by(
        "event_id_value", "id").values_list("id", "event_id_value", "snapshot")
    previous, last = {}, {}
    for pk, event_id, snapshot in history:
        if event_id in last:
            previous[pk] = last[event_id]
        last[event_id] = snapshot
    return previous


def _cell(value) -> str:
    """A spreadsheet runs a cell that starts with = + - @ as a formula: people's text never does."""
    text = "" if value is None else value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def audit_csv(rows: list[AuditRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["at", "user", "action", "object_type", "object_id", "before", "after", "detail"])
    for row in rows:
        writer.writerow([row.at.isoformat(), _cell(row.user), row.action, row.object_type, row.object_id,
                         _cell(row.before), _cell(row.after), _cell(row.detail)])
    return out.getvalue()
