"""Exports: check who asks and what, then write the file atomically and log it in an Export row.

Small exports run in the request (a CASME II-sized sheet of 250 codes: well under a second; 10,000
codes as xlsx: about 6 s on a busy 2-core machine); above
MESTUDIO_EXPORT_SYNC_MAX_ROWS codes the export becomes an `export` job for a worker.
Only subjects with recorded consent are exported unless the lead gives a written reason,
which is kept on the row together with the subjects it let through.
"""

import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from annotator.exports.atomic import atomic_output
from annotator.jobkinds import EXPORT
from annotator.exports.formats import FORMATS, rows_kept
from annotator.models import AuditEntry, Export, Job, Membership, Project
from annotator.permissions import can_manage, role_for
from annotator.services.audit import audit_record
from annotator.selectors.exports import STATUS_FILTERS, export_events, export_rows, subjects_without_consent
from annotator.services.jobs import ProgressReporter, job_create, job_enqueue_on_commit, job_log

logger = logging.getLogger("mestudio.exports")

# Exports hold every coder's codes, which blind coding hides from coders: lead and reviewer only.
EXPORT_ROLES = {Membership.Role.LEAD, Membership.Role.REVIEWER}
FILTER_KEYS = ("status", "coder", "subject", "dataset")
MIN_REASON_LENGTH = 15


def can_export(role: str | None) -> bool:
    return role in EXPORT_ROLES


def export_path(export: Export) -> Path:
    return Path(settings.MEDIA_ROOT) / "exports" / export.file_name


def _clean_filters(filters: dict | None) -> dict:
    filters = {key: str(value).strip() for key, value in (filters or {}).items() if value not in (None, "")}
    unknown = set(filters) - set(FILTER_KEYS)
    if unknown:
        raise ValidationError({"filters": f"Unknown filters: {', '.join(sorted(unknown))}."})
    filters.setdefault("status", "reviewed")
    if filters["status"] not in STATUS_FILTERS:
        raise ValidationError({"status": f"Status is one of {', '.join(STATUS_FILTERS)}."})
    return filters


def _check(*, project: Project, user, format: str, filters: dict | None, consent_override: str) -> tuple[dict, str]:
    """user None: the command line, run by whoever administers the server."""
    role = role_for(user, project) if user is not None else Membership.Role.LEAD
    if not can_export(role):
        raise PermissionDenied("Only the project lead and reviewers export codes.")
    if format not in FORMATS:
        raise ValidationError({"format": f"Unknown format {format!r}; choose one of {', '.join(FORMATS)}."})
    reason = (consent_override or "").strip()
    if reason and not can_manage(role):
        raise PermissionDenied("Only the project lead may export subjects without recorded consent.")
    if reason and len(reason) < MIN_REASON_LENGTH:
        raise ValidationError({"consent_override": f"Write the reason (at least {MIN_REASON_LENGTH} characters)."})
    return _clean_filters(filters), reason


def export_create(*, project: Project, user, format: str, filters: dict | None = None,
                  consent_override: str = "") -> Export:
    """Log and write an export; a large one is queued as a job (the row says `pending` until it is done)."""
    filters, reason = _check(project=project, user=user, format=format, filters=filters,
                             consent_override=consent_override)
    without_consent = subjects_without_consent(project, filters)
    with transaction.atomic():
        if reason:  # on the row for the audit trail: which subjects the override let through
            filters = {**filters, "included_without_consent": without_consent}
        export = Export.objects.create(
            project=project, format=format, filters=filters, consent_override=reason, created_by=user,
            subjects_excluded=[] if reason else without_consent,
        )
        export.file_name = f"{project.pk}/{export.pk}.{FORMATS[format].extension}"
        export.save(update_fields=["file_name"])
        audit_record(user=user, action=AuditEntry.Action.EXPORT, project=project, object_type="export",
                     object_id=export.pk, after={"format": format, "filters": filters}, detail=reason)
        if reason:
            logger.warning("export %s: lead %s included subjects without consent %s: %s",
                           export.pk, getattr(user, "pk", "cli"), without_consent, reason)
        if export_events(project, filters).count() > settings.MESTUDIO_EXPORT_SYNC_MAX_ROWS:
            job = job_create(kind=EXPORT, project=project, params={"export": export.pk}, created_by=user)
            export.job = job
            export.save(update_fields=["job"])
            job_enqueue_on_commit(job=job)
            return export
    try:
        return export_write(export=export)
    except Exception:  # recorded on the row (status failed, error); the caller shows it
        logger.exception("export %s failed", export.pk)
        return export


def export_write(*, export: Export, progress=None) -> Export:
    fmt = FORMATS[export.format]
    rows = rows_kept(fmt, export_rows(export.project, export.filters, include_without_consent=bool(export.consent_override)))
    if progress is not None:
        progress(0.5, f"writing {len(rows)} rows as {fmt.label}")
    target = export_path(export)
    try:
        with atomic_output(target) as temporary:
            fmt.write(rows, temporary)
    except Exception as exc:
        Export.objects.filter(pk=export.pk).update(status=Export.Status.FAILED, error=str(exc)[:2000],
                                                   finished_at=timezone.now())
        export.refresh_from_db()
        raise
    export.status = Export.Status.READY
    export.row_count = len(rows)
    export.size_bytes = target.stat().st_size
    export.finished_at = timezone.now()
    export.save(update_fields=["status", "row_count", "size_bytes", "finished_at"])
    logger.info("export %s of project %s by %s: %s, filters %s, %s rows", export.pk, export.project_id,
                export.created_by_id or "cli", export.format, export.filters, export.row_count)
    return export


def export_job_work(job: Job, progress: ProgressReporter) -> None:
    export = Export.objects.select_related("project").get(pk=job.params["export"])
    export_write(export=export, progress=progress)
    job_log(job=job, line=f"export {export.pk}: {export.row_count} rows, {export.size_bytes} bytes")


def export_file_for(*, export: Export, user) -> Path:
    """The file of a ready export, for a lead or reviewer of its project."""
    if not can_export(role_for(user, export.project)):
        raise PermissionDenied("Only the project lead and reviewers download exports.")
    path = export_path(export)
    if export.status != Export.Status.READY or not path.is_file():
        raise ValidationError("This export has no file (it failed or is still running).")
    audit_record(user=user, action=AuditEntry.Action.EXPORT_DOWNLOAD, project=export.project_id,
                 object_type="export", object_id=export.pk)
    return path
