"""Reads for coding studies: clips to assign, each coder's queue, a clip's coding status per coder."""

from collections import Counter, defaultdict

from annotator.models import Assignment, Clip, ClipUncertainty, Project
from annotator.permissions import sees_all_assignments

CLIP_FILTER_STATUSES = {"any": "any", "unassigned": "not assigned yet", "assigned": "assigned"}


def clips_matching(project: Project, *, clip_ids=None, subject: str = "", dataset: str = "",
                   status: str = "any"):
    """The project's clips (never failed ones) by id, subject code, dataset and assignment status."""
    clips = Clip.objects.filter(project=project).exclude(status=Clip.Status.FAILED).select_related("subject")
    if clip_ids:
        clips = clips.filter(pk__in=clip_ids)
    if subject:
        clips = clips.filter(subject__code=subject)
    if dataset:
        clips = clips.filter(dataset=dataset)
    if status == "unassigned":
        clips = clips.filter(assignments__isnull=True)
    elif status == "assigned":
        clips = clips.filter(assignments__isnull=False).distinct()
    return clips.order_by("subject__code", "name", "id")


def clip_uncertainty(clip_ids) -> dict[int, float]:
    """Per clip, how unsure the project's models are, from 0 (sure) to 1: the larger of 1 - the lowest top-class
    probability among the models, and their disagreement (1 - the share of models naming the most common label).
    Clips no model judged are absent."""
    rows = defaultdict(list)
    for clip_id, probability, label in ClipUncertainty.objects.filter(clip_id__in=clip_ids).values_list(
            "clip_id", "top_probability", "top_label"):
        rows[clip_id].append((probability, label))
    scores = {}
    for clip_id, judged in rows.items():
        labels = Counter(label for _, label in judged if label)
        disagreement = 1.0 - max(labels.values()) / len(judged) if labels else 0.0
        scores[clip_id] = max(1.0 - min(p for p, _ in judged), disagreement)
    return scores


def project_has_model_judgements(project: Project) -> bool:
    return ClipUncertainty.objects.filter(clip__project=project).exists()


def queue_for(user, project: Project) -> list[Assignment]:
    """`user`'s open assignments in `project`, the next one first: by the models' uncertainty (most unsure first)
    when the project's active model judged its clips, else by priority (highest first); then due date, age."""
    open_assignments = list(
        Assignment.objects.filter(coder=user, clip__project=project).exclude(status=Assignment.Status.SUBMITTED)
        .exclude(clip__status=Clip.Status.FAILED).select_related("clip__subject"))
    uncertainty = clip_uncertainty([a.clip_id for a in open_assignments]) \
        if project_has_model_judgements(project) else {}
    for assignment in open_assignments:
        assignment.uncertainty = uncertainty.get(assignment.clip_id)
    by_age = sorted(open_assignments, key=lambda a: (a.due is None, a.due or 0, a.created_at, a.pk))
    if uncertainty:
        return sorted(by_age, key=lambda a: (a.uncertainty is None, -(a.uncertainty or 0.0), -a.priority))
    return sorted(by_age, key=lambda a: -a.priority)


def next_assignment(user, project: Project) -> Assignment | None:
    """The first assignment of the queue whose clip is ready to code."""
    return next((a for a in queue_for(user, project) if a.clip.status == Clip.Status.READY), None)


def assignments_visible(user, role: str | None, project: Project):
    """Lead and reviewer see every assignment; others their own."""
    assignments = Assignment.objects.filter(clip__project=project).select_related("clip__subject", "coder")
    return assignments if sees_all_assignments(role) else assignments.filter(coder=user)


def coding_status_by_clip(clip_ids) -> dict[int, list[Assignment]]:
    """Each clip's assignments (coder and status: not started, in progress, submitted). Names and states only,
    never codes: a coder may see who else codes a blind clip."""
    status = defaultdict(list)
    for assignment in Assignment.objects.filter(clip_id__in=clip_ids).select_related("coder").order_by(
            "clip_id", "coder__username"):
        status[assignment.clip_id].append(assignment)
    return dict(status)

