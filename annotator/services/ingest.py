"""Ingest: turn a stored source (video, frame folder, still) into integer-addressed frames."""

import logging
from dataclasses import replace

from django.conf import settings
from django.db import transaction

from annotator.media.errors import IngestError
from annotator.media.framestore import FrameStore
from annotator.media.pipeline import DecodeResult, decode_to_store, landmarks_from_store, write_face_crops
from annotator.media.sources import Limits
from annotator.models import Clip, Job, Project
from annotator.selectors.clips import project_decoded_pixels
from annotator.services.jobs import ProgressReporter, job_log, job_run
from annotator.services.storage import clip_source_path

logger = logging.getLogger(__name__)


def server_limits() -> Limits:
    config = settings.MESTUDIO_INGEST
    return Limits(
        max_width=config["MAX_WIDTH"], max_height=config["MAX_HEIGHT"], max_frames=config["MAX_FRAMES"],
        max_pixels=config["MAX_CLIP_PIXELS"],
    )


@transaction.atomic
def clip_reserve_pixels(clip: Clip) -> Limits:
    """The server's limits, with the clip's pixel budget (its own cap or what its project has left, if less),
    reserved on the clip until its ingest ends: the project row is locked while the budget is read and the
    reservation written, so two ingests at once cannot both spend the same remainder."""
    Project.objects.select_for_update().filter(pk=clip.project_id).first()
    limits = server_limits()
    project_budget = settings.MESTUDIO_INGEST["MAX_PROJECT_PIXELS"]
    project_left = max(project_budget - project_decoded_pixels(clip.project, excluding_clip_id=clip.pk), 0)
    Clip.objects.filter(pk=clip.pk).update(pixels_reserved=min(project_left, limits.max_pixels))
    if project_left >= limits.max_pixels:
        return limits
    return replace(limits, max_pixels=project_left, pixel_budget=(
        f"what is left of this project's budget of {project_budget:,} pixels; "
        "an administrator can raise MESTUDIO_MAX_PROJECT_PIXELS"
    ))


def clip_ingest_job(*, job_id: int) -> Job | None:
    return job_run(job_id=job_id, work=_ingest)


def _ingest(job: Job, progress: ProgressReporter) -> None:
    clip = Clip.objects.get(pk=job.clip_id)
    align = bool(job.params.get("align", settings.MESTUDIO_INGEST["ALIGN_FACES"]))
    limits = clip_reserve_pixels(clip)
    try:
        _decode_and_align(clip, job, align, limits, progress)
    finally:  # ready clips count by their frames, failed ones not at all
        Clip.objects.filter(pk=clip.pk).update(pixels_reserved=0)


def _decode_and_align(clip: Clip, job: Job, align: bool, limits: Limits, progress: ProgressReporter) -> None:
    if clip.frame_numbers is not None:
        # A dataset import stored the frames themselves (JPEG byte for byte): decoding would re-encode
        # them, so only landmarks and aligned faces are computed from the stored frames.
        if align:
            decoded = landmarks_from_store(FrameStore(settings.MEDIA_ROOT, clip.pk), clip.frame_count,
                                           limits=limits, progress=progress.section(0.0, 0.6))
            clip_align_faces(clip=clip, job=job, decoded=decoded, limits=limits, progress=progress.section(0.6, 0.4))
        else:
            Clip.objects.filter(pk=clip.pk).update(face_status=Clip.FaceStatus.SKIPPED)
        return
    decoded = clip_decode(clip=clip, job=job, align=align, limits=limits,
                          progress=progress.section(0.0, 0.6 if align else 1.0))
    if align:
        clip_align_faces(clip=clip, job=job, decoded=decoded, limits=limits, progress=progress.section(0.6, 0.4))
    else:
        Clip.objects.filter(pk=clip.pk).update(face_status=Clip.FaceStatus.SKIPPED)


def _mark_failed(clip: Clip, message: str) -> None:
    clip.status = Clip.Status.FAILED
    clip.error = message
    clip.save(update_fields=["status", "error"])
    FrameStore(settings.MEDIA_ROOT, clip.pk).reset()


def clip_decode(*, clip: Clip, job: Job, align: bool, limits: Limits, progress: ProgressReporter) -> DecodeResult:
    store = FrameStore(settings.MEDIA_ROOT, clip.pk)
    clip.status = Clip.Status.PROCESSING
    clip.error = ""
    clip.truncated = False
    clip.ingest_generation += 1  # frame URLs of the previous ingest stop being answered
    clip.save(update_fields=["status", "error", "truncated", "ingest_generation"])
    config = settings.MESTUDIO_INGEST
    try:
        decoded = decode_to_store(
            clip_source_path(clip), store, kind=clip.source_kind, limits=limits,
            jpeg_quality=config["JPEG_QUALITY"], detect_landmarks=align, progress=progress,
        )
    except IngestError as exc:
        _mark_failed(clip, str(exc))
        raise
    except Exception as exc:
        logger.exception("ingest of clip %s failed", clip.pk)
        _mark_failed(clip, f"Unexpected error while decoding ({type(exc).__name__}); the job log has details.")
        raise
    info = decoded.info
    clip.fps = clip.fps or info.fps or clip.project.default_fps
    clip.frame_count = decoded.frame_count
    clip.container_frame_count = info.container_frame_count
    clip.width, clip.height, clip.codec = info.width, info.height, info.codec
    clip.truncated = decoded.truncated
    clip.status = Clip.Status.READY
    clip.save(update_fields=["fps", "frame_count", "container_frame_count", "width", "height", "codec", "truncated",
                             "status"])
    store.write_meta({"frame_count": clip.frame_count, "fps": clip.fps, "width": clip.width, "height": clip.height})
    if clip.truncated:
        job_log(job=job, line=clip.truncation_note)
    elif clip.frame_count_mismatch:
        job_log(job=job, line=(
            f"container says {clip.container_frame_count} frames, decoder gave {clip.frame_count}: "
            "the decoded count is used"
        ))
    job_log(job=job, line=f"decoded {clip.frame_count} frames ({clip.width}x{clip.height}, {clip.codec})")
    return decoded


def clip_align_faces(
    *, clip: Clip, job: Job, decoded: DecodeResult, limits: Limits, progress: ProgressReporter,
) -> None:
    store = FrameStore(settings.MEDIA_ROOT, clip.pk)
    config = settings.MESTUDIO_INGEST
    try:
        result = write_face_crops(
            clip_source_path(clip), store, decoded, limits=limits, face_size=config["FACE_SIZE"],
            jpeg_quality=config["JPEG_QUALITY"], progress=progress,
        )
    except Exception as exc:  # frames are already usable; a failed alignment must not take them away
        logger.exception("face alignment of clip %s failed", clip.pk)
        Clip.objects.filter(pk=clip.pk).update(face_status=Clip.FaceStatus.FAILED)
        job_log(job=job, line=f"face alignment failed: {type(exc).__name__}: {exc}")
        return
    Clip.objects.filter(pk=clip.pk).update(
        face_status=result.status, face_method=result.method, face_frame_count=result.face_frames,
    )
    store.write_meta({**store.read_meta(), "faces": {
        "status": result.status, "method": result.method, "reference_frame": result.reference_frame,
        "frames_with_face": result.face_frames, **result.detail,
    }})
    job_log(job=job, line=(
        f"faces: {result.status}" + (f" by {result.method} from frame {result.reference_frame}, "
                                     f"{result.face_frames} of {clip.frame_count} frames with landmarks"
                                     if result.status == "ready" else "")
    ))
