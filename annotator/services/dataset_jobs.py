"""Dataset imports as jobs: who may start one, where its files come from, and the report it leaves.

A web user never names a server path: an import reads either an archive the lead uploaded (unpacked
under MEDIA_ROOT, checked as hostile input) or a folder picked from a listing of the configured
import roots, and the pick is checked against that listing again when the job runs.
"""

import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from annotator.jobkinds import IMPORT
from annotator.datasets import FORMATS
from annotator.jobkinds import IMPORT
from annotator.datasets.archive import ARCHIVE_SUFFIXES, extract_archive, is_archive
from annotator.models import AuditEntry, ImportReport, Job, Membership, Project
from annotator.permissions import role_for
from annotator.datasets.maps import DEFAULT_LABEL_NAMES, KINDS as MAP_KINDS
from annotator.services.audit import audit_record
from annotator.services.datasets import dataset_import
from annotator.services.map_import import map_import
from annotator.services.jobs import ProgressReporter, job_create, job_enqueue_on_commit, job_log, job_run

FOLDER_DEPTH = 3


def imports_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def import_folder_choices() -> list[tuple[str, str]]:
    """(token, label) for every folder up to FOLDER_DEPTH levels below each configured root; links skipped."""
    choices = []
    for index, configured in enumerate(settings.MESTUDIO_IMPORT_ROOTS):
        root = Path(configured)
        if not root.is_dir():
            continue
        for folder, dirs, _ in os.walk(root, followlinks=False):
            here = Path(folder)
            depth = len(here.relative_to(root).parts)
            dirs[:] = sorted(d for d in dirs if not (here / d).is_symlink() and not d.startswith("."))
            if depth >= FOLDER_DEPTH:
                dirs[:] = []
            if depth:
                relative = here.relative_to(root).as_posix()
                choices.append((f"{index}:{relative}", f"{root.name}/{relative}"))
    return choices


def resolve_import_folder(token: str) -> Path:
    if token not in dict(import_folder_choices()):
        raise ValidationError({"folder": "Pick a folder from the list of import folders."})
    index, relative = token.split(":", 1)
    return Path(settings.MESTUDIO_IMPORT_ROOTS[int(index)]) / relative


def check_can_import(*, project: Project, user) -> None:
    if role_for(user, project) != Membership.Role.LEAD:
        raise PermissionDenied("Only a project lead imports datasets.")


def _archive_suffix(name: str) -> str:
    lowered = name.lower()
    suffix = next((s for s in sorted(ARCHIVE_SUFFIXES, key=len, reverse=True) if lowered.endswith(s)), "")
    if not suffix:
        raise ValidationError({"archive": "Upload a .zip, .tar, .tar.gz, .tgz, .tar.bz2 or .tar.xz archive."})
    return suffix


@transaction.atomic
def _store_upload(upload, suffix: str) -> str:
    uploads = imports_dir() / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    stored = f"{uuid.uuid4().hex}{suffix}"
    with open(uploads / stored, "xb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return stored


def _check_labels_upload(labels) -> None:
    if labels is None:
        raise ValidationError({"labels": "Upload the label CSV (dataset, sub, filename_o, label)."})
    if not labels.name.lower().endswith(".csv"):
        raise ValidationError({"labels": "The labels file must be a .csv."})
    if labels.size > settings.MESTUDIO_IMPORT["MAX_SHEET_BYTES"]:
        raise ValidationError({"labels": "The label CSV is over this server's size limit."})


@transaction.atomic
def dataset_import_start(*, project: Project, user, format: str, dry_run: bool = False, archive=None,
                         folder: str = "", labels=None, label_names: list[str] | None = None) -> Job:
    """Check, store the uploads, and queue the import job (enqueued once this transaction commits).

    format is a dataset format, or "maps" / "apex" for a precomputed-map or apex-image set with its label CSV.
    """
    check_can_import(project=project, user=user)
    if format not in FORMATS and format not in MAP_KINDS:
        raise ValidationError({"format": f"Unknown dataset format {format!r}."})
    if bool(archive) == bool(folder):
        raise ValidationError({"archive": "Upload an archive or pick a server folder (one of the two)."})
    params = {"format": format, "dry_run": bool(dry_run)}
    if format in MAP_KINDS:
        _check_labels_upload(labels)
        params["label_names"] = [name.strip().lower() for name in (label_names or DEFAULT_LABEL_NAMES)][:64]
    if archive is not None:
        suffix = _archive_suffix(archive.name)
        if archive.size > settings.MESTUDIO_IMPORT["MAX_ARCHIVE_BYTES"]:
            raise ValidationError({"archive": "The archive is over this server's size limit."})
        params["archive"] = _store_upload(archive, suffix)
    else:
        resolve_import_folder(folder)
        params["folder"] = folder
    if format in MAP_KINDS:
        params["labels"] = _store_upload(labels, ".csv")
    job = job_create(kind=IMPORT, project=project, params=params, created_by=user)
    audit_record(user=user, action=AuditEntry.Action.IMPORT, project=project, object_type="job", object_id=job.pk,
                 after=params)
    job_enqueue_on_commit(job=job)
    return job


@contextmanager
def dataset_root(path: Path):
    """The folder to import: path itself, or an archive unpacked into a temporary folder removed afterwards."""
    if not is_archive(path):
        yield path
        return
    unpacked = imports_dir() / f"unpacked-{uuid.uuid4().hex}"
    try:
        extract_archive(path, unpacked, settings.MESTUDIO_IMPORT)
        yield unpacked
    finally:
        shutil.rmtree(unpacked, ignore_errors=True)


def _source_path(job: Job) -> Path:
    if job.params.get("archive"):
        name = Path(job.params["archive"]).name  # a name this server chose; never a path
        return imports_dir() / "uploads" / name
    return resolve_import_folder(job.params.get("folder", ""))


def _labels_path(job: Job, labels: Path | None) -> Path:
    if labels is not None:
        return Path(labels)
    return imports_dir() / "uploads" / Path(job.params.get("labels", "")).name  # a name this server chose


def _import(job: Job, root: Path, labels: Path | None, progress: ProgressReporter) -> dict:
    params = job.params
    if params["format"] in MAP_KINDS:
        return map_import(project=job.project, root=root, labels=_labels_path(job, labels), kind=params["format"],
                          created_by=job.created_by, dry_run=params.get("dry_run", False), align=params.get("align"),
                          label_names=tuple(params.get("label_names") or DEFAULT_LABEL_NAMES), progress=progress)
    return dataset_import(project=job.project, format=params["format"], root=root, created_by=job.created_by,
                          dry_run=params.get("dry_run", False), align=params.get("align"), progress=progress)


def dataset_import_job(*, job_id: int, path: Path | None = None, labels: Path | None = None,
                       echo=None) -> Job | None:
    """Run a queued import job; path and labels (command line only) override the job's uploads or folder."""

    def work(job: Job, progress: ProgressReporter) -> None:
        source = Path(path) if path is not None else _source_path(job)
        try:
            with dataset_root(source) as root:
                report = _import(job, root, labels, progress)
        finally:
            if path is None and job.params.get("archive"):
                source.unlink(missing_ok=True)
            if labels is None and job.params.get("labels"):
                _labels_path(job, None).unlink(missing_ok=True)
        ImportReport.objects.create(job=job, project=job.project, format=report["format"], dataset=report["dataset"],
                                    dry_run=report["dry_run"], summary=report["summary"], rows=report["rows"],
                                    notes=report["notes"])
        summary = report["summary"]
        job_log(job=job, line=(
            f"{'dry run: ' if report['dry_run'] else ''}{summary['clips_found']} clips ({summary['clips_new']} new), "
            f"{summary['rows']} rows: {summary['rows_imported']} imported ({summary['rows_flagged']} flagged), "
            f"{summary['rows_skipped']} skipped, {summary['events_new']} new events"
        ))

    return job_run(job_id=job_id, work=work, echo=echo)


def import_report_json(report: ImportReport) -> dict:
    return {"job": report.job_id, "project": report.project_id, "format": report.format, "dataset": report.dataset,
            "dry_run": report.dry_run, "summary": report.summary, "notes": report.notes, "rows": report.rows,
            "created_at": report.created_at.isoformat()}
