"""Apex-first assist as a job: the coder marks an apex, a "propose" job proposes the onset and the offset.

The proposal (mlbackend.spotting.apex_first.propose_interval) measures optical flow around the apex with cv2,
0.2-0.6 s of work, so it never runs in a web request: the API queues a job with params {apex, kind}, the job
stores its answer in the same row, params["result"] = {"onset", "offset"}, and the workspace polls for it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from annotator.models import Clip, Job
from annotator.permissions import can_read_job, can_start_job, role_for
from annotator.services.jobs import ProgressReporter, job_create, job_enqueue_on_commit, job_log
from mlbackend.jobkinds import PROPOSE

KINDS = ("micro", "macro")


def propose_start(*, clip: Clip, apex, kind: str = "micro", created_by) -> Job:
    """Queue a proposal for the movement whose apex is `apex`; ValueError when the request cannot be met."""
    if not can_start_job(role_for(created_by, clip.project_id), PROPOSE):
        raise PermissionDenied("Only coders and leads ask for proposals.")
    if clip.status != Clip.Status.READY:
        raise ValueError("This clip is not ready yet: proposals need its frames.")
    if isinstance(apex, bool) or not isinstance(apex, int):
        raise ValueError("apex must be a frame id (an integer).")
    if not 0 <= apex < clip.frame_count:
        raise ValueError(f"apex {apex} lies outside the clip's frames 0–{clip.frame_count - 1}.")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}.")
    job = job_create(kind=PROPOSE, project=clip.project, clip=clip, params={"apex": apex, "kind": kind},
                     created_by=created_by)
    job_enqueue_on_commit(job=job)
    return job


def propose_job(*, clip: Clip, job_id: int, user, role: str | None) -> Job | None:
    """The proposal, for whoever may read the job (permissions.can_read_job): it names its coder's apex."""
    job = Job.objects.filter(pk=job_id, clip=clip, kind=PROPOSE).first()
    return job if job is not None and can_read_job(user, role, job) else None


def propose_state(job: Job) -> dict:
    """{job, status, progress, error, apex, kind, onset, offset}; onset and offset are null until it succeeded."""
    result = job.params.get("result") or {}
    done = job.status == Job.Status.SUCCEEDED and "onset" in result
    return {
        "job": job.pk, "status": job.status, "progress": job.progress, "error": job.error,
        "apex": job.params.get("apex"), "kind": job.params.get("kind", "micro"),
        "onset": result.get("onset") if done else None, "offset": result.get("offset") if done else None,
    }


def propose_job_work(job: Job, progress: ProgressReporter) -> None:
    from mlbackend.selectors import clip_input
    from mlbackend.spotting.apex_first import propose_interval

    clip = Clip.objects.select_related("subject", "project").get(pk=job.clip_id)
    if clip.status != Clip.Status.READY:
        raise ValueError("This clip is not ready yet.")
    apex, kind = int(job.params["apex"]), job.params.get("kind", "micro")
    item = clip_input(clip)
    progress(0.1, f"measuring the motion around apex {apex}", force=True)
    onset, offset = propose_interval(item, apex, float(item.fps or 30.0), kind=kind)
    job.params = {**job.params, "result": {"onset": int(onset), "offset": int(offset)}}
    Job.objects.filter(pk=job.pk).update(params=job.params)
    job_log(job=job, line=f"proposed onset {onset}, offset {offset} for apex {apex} ({kind})")
