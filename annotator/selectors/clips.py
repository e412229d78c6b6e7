from annotator.jobkinds import INGEST
from annotator.models import Clip, Job


def clips_of_project(project):
    return Clip.objects.filter(project=project).select_related("subject").order_by("subject__code", "name", "id")


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
    """Pixels (width x height x frames) the project's ready clips hold, the measure its ingest budget counts."""
    from django.db.models import F, Sum

    clips = Clip.objects.filter(project=project, status=Clip.Status.READY).exclude(pk=excluding_clip_id)
    return clips.aggregate(total=Sum(F("width") * F("height") * F("frame_count")))["total"] or 0
