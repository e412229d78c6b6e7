"""Creating clips from files on disk or from uploads; each one gets its own ingest job."""

from collections.abc import Sequence
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from annotator.media.sources import IMAGE_EXTENSIONS, list_folder_images, source_kind
from annotator.media.errors import IngestError
from annotator.jobkinds import INGEST
from annotator.models import Clip, CodingEvent, Job, Project, Subject
from annotator.permissions import can_reingest, role_for
from annotator.services.jobs import job_create, job_enqueue_on_commit
from annotator.services.storage import display_name, store_file, store_frame_files


def _new_clip(*, project: Project, subject: Subject, name: str, kind: str) -> Clip:
    if subject.project_id != project.pk:
        raise ValueError("The subject belongs to another project.")
    return Clip.objects.create(
        project=project, subject=subject, name=display_name(name), source=name[:500], source_kind=kind,
        fps=project.default_fps if kind != Clip.SourceKind.VIDEO else None,
    )


def _queue_ingest(*, clip: Clip, created_by, align: bool | None) -> Job:
    params = {} if align is None else {"align": align}
    job = job_create(kind=INGEST, project=clip.project, clip=clip, params=params, created_by=created_by)
    job_enqueue_on_commit(job=job)
    return job


def _fail(clip: Clip, message: str) -> Clip:
    clip.status = Clip.Status.FAILED
    clip.error = message
    clip.save(update_fields=["status", "error"])
    return clip


@transaction.atomic
def clip_import_path(
    *, project: Project, subject: Subject, path: Path, created_by=None, align: bool | None = None,
    fps: float | None = None,
) -> Clip:
    """Copy a video, a still image or a frame folder into the store and queue its ingest."""
    path = Path(path)
    kind = source_kind(path) if path.exists() else Clip.SourceKind.VIDEO
    clip = _new_clip(project=project, subject=subject, name=path.name, kind=kind)
    if fps:
        clip.fps = fps
        clip.save(update_fields=["fps"])
    try:
        if kind == Clip.SourceKind.FRAMES:
            images = list_folder_images(path)
            handles = [(p.name, open(p, "rb")) for p in images]
            try:
                clip.checksum = store_frame_files(clip_id=clip.pk, items=handles)
            finally:
                for _, handle in handles:
                    handle.close()
        else:
            with open(path, "rb") as reader:
                clip.checksum = store_file(clip_id=clip.pk, kind=kind, reader=reader)
    except IngestError as exc:
        return _fail(clip, str(exc))
    except OSError as exc:
        return _fail(clip, f"The source cannot be read: {exc.strerror or type(exc).__name__}.")
    clip.save(update_fields=["checksum"])
    _queue_ingest(clip=clip, created_by=created_by, align=align)
    return clip


def _is_image(name: str) -> bool:
    return Path(name).suffix.lower() in IMAGE_EXTENSIONS


@transaction.atomic
def clip_create_from_uploads(
    *, project: Project, subject: Subject, files: Sequence[UploadedFile], created_by, as_frame_folder: bool,
    folder_name: str = "", fps: float | None = None,
) -> list[Clip]:
    """Several images with as_frame_folder make one clip; otherwise each file is its own clip."""
    if not files:
        raise ValidationError({"files": "Choose at least one file."})
    if as_frame_folder:
        not_images = [display_name(f.name) for f in files if not _is_image(f.name)]
        if not_images:
            raise ValidationError(
                {"files": f"A frame folder takes only .jpg, .png or .bmp files, not {', '.join(not_images[:3])}."}
            )
        clip = _new_clip(project=project, subject=subject, name=folder_name or display_name(files[0].name),
                         kind=Clip.SourceKind.FRAMES)
        clip.fps = fps or project.default_fps
        clip.checksum = store_frame_files(clip_id=clip.pk, items=[(f.name, f) for f in files])
        clip.save(update_fields=["checksum", "fps"])
        _queue_ingest(clip=clip, created_by=created_by, align=None)
        return [clip]
    clips = []
    for upload in files:
        kind = Clip.SourceKind.IMAGE if _is_image(upload.name) else Clip.SourceKind.VIDEO
        clip = _new_clip(project=project, subject=subject, name=upload.name, kind=kind)
        if fps:
            clip.fps = fps
        clip.checksum = store_file(clip_id=clip.pk, kind=kind, reader=upload)
        clip.save(update_fields=["checksum", "fps"])
        _queue_ingest(clip=clip, created_by=created_by, align=None)
        clips.append(clip)
    return clips


@transaction.atomic
def clip_reingest(*, clip: Clip, created_by) -> Job:
    """Decode a clip's source again: the lead only, never over codes (their frame ids would point at new frames),
    and never while an ingest is queued or running. Frame URLs carry the new ingest generation.
    `created_by` None is the system (a management command)."""
    if created_by is not None and not can_reingest(role_for(created_by, clip.project_id)):
        raise PermissionDenied("Only the project lead re-ingests a clip.")
    # Claim in one conditional UPDATE (a clip already pending or processing matches no row), then look for codes
    # inside the same transaction: an error rolls the claim back.
    if not Clip.objects.filter(pk=clip.pk, status__in=[Clip.Status.READY, Clip.Status.FAILED]).update(
            status=Clip.Status.PENDING, error=""):
        raise ValidationError({"clip": "This clip is being ingested already."})
    if CodingEvent.objects.filter(clip_id=clip.pk).exists():
        raise ValidationError({"clip": "This clip has coding events: re-ingesting could move their frames. "
                                       "Delete its events first, or import the video as a new clip."})
    clip.refresh_from_db()
    return _queue_ingest(clip=clip, created_by=created_by, align=None)
