from annotator.jobkinds import INGEST
from annotator.models import Clip, Job


SAMPLE_KINDS = (Clip.SourceKind.MAP, Clip.SourceKind.APEX)  # one-image samples, listed apart from clips


def clips_of_project(project):
    return Clip.objects.filter(project=project).select_related("subject").order_by("subject__code", "name", "id")


def map_samples_by_dataset(project) -> list[tuple[str, list[Clip]]]:
    """The project's precomputed-map and apex-image samples, grouped by source dataset."""
    groups: dict[str, list[Clip]] = {}
    for clip in clips_of_project(project).filter(source_kind__in=SAMPLE_KINDS).order_by("dataset", "subject__code",
                                                                                       "name", "id"):
        groups.setdefault(clip.dataset, []).append(clip)
    return list(groups.items())


def latest_jobs_by_clip(clips) -> dict[int, Job]:
    """Each clip's latest ingest job: its progress is the clip's state, shown to every member. Other jobs on a
    clip (an apex proposal names its coder's apex) are for permissions.can_read_job only."""
    latest: dict[int, Job] = {}
    for job in Job.objects.filter(clip__in=clips, kind=INGEST).order_by("clip_id", "-created_at", "-id"):
        latest.setdefault(job.clip_id, job)
    return latest


def any_clip_in_progress(clips) -> bool:
    return any(clip.status in {Clip.Status.PENDING, Clip.Status.PROCESSING} or clip.face_status == Clip.FaceStatus.PENDING
               and clip.status == Clip.Status.READY for clip in clips)


def project_decoded_pixels(project, *, excluding_clip_id: int | None = None) -> int:
    """Pixels (width x height x frames) the project's ready clips hold plus what running ingests reserved: the
    measure its ingest budget counts."""
    from django.db.models import F, Sum

    others = Clip.objects.filter(project=project).exclude(pk=excluding_clip_id)
    ready = others.filter(status=Clip.Status.READY).aggregate(
        total=Sum(F("width") * F("height") * F("frame_count")))["total"] or 0
    reserved = others.filter(pixels_reserved__gt=0).aggregate(total=Sum("pixels_reserved"))["total"] or 0
    return ready + reserved
