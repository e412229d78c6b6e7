"""Assignments, coder queues, submitting a coding, and the agreement page: parse, call, render."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from annotator.agreement.export import agreement_csv
from annotator.agreement.figures import CONTENT_TYPES, FIGURES
from annotator.agreement.selectors import agreement_choices, project_agreement
from annotator.models import Assignment, CodingEvent
from annotator.permissions import can_assign, can_be_assigned, can_code, can_mark_reviewed, sees_all_events
from annotator.selectors.access import (
    clip_for_user, deleted_events_restorable, project_for_user, projects_for_user,
)
from annotator.selectors.assignments import (
    assignments_visible, clips_matching, coding_status_by_clip, next_assignment, project_has_model_judgements,
    queue_for,
)
from annotator.selectors.exports import coder_pseudonym
from annotator.services.assignments import assignment_create, assignment_delete, coding_submit
from annotator.services.events import event_undelete
from annotator.services.review import event_mark_reviewed
from annotator.study_forms import AgreementFilterForm, AssignForm
from annotator.views.setup import add_service_errors

MAX_LISTED = 500


def _coder_names(project) -> list[str]:
    return [m.user.username for m in project.memberships.select_related("user").order_by("user__username")
            if can_be_assigned(m.role)]


@require_http_methods(["GET", "POST"])
def assignment_list(request, project_id: int):
    project = project_for_user(request.user, project_id)
    form = AssignForm(request.POST or None, coders=_coder_names(project))
    created = None
    if request.method == "POST":
        if not can_assign(project.role):
            raise PermissionDenied("Only the project lead assigns clips.")
        if form.is_valid():
            data = form.cleaned_data
            clips = clips_matching(project, clip_ids=data["clips"], subject=data["subject"],
                                   dataset=data["dataset"], status=data["status"] or "any")
            names = [name for name in (data["coder_1"], data["coder_2"]) if name]
            coders = list(get_user_model().objects.filter(username__in=names))
            try:
                created = assignment_create(project=project, clips=clips, coders=coders, assigned_by=request.user,
                                            due=data["due"], priority=data["priority"] or 0)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                form = AssignForm(coders=_coder_names(project))
    assignments = assignments_visible(request.user, project.role, project).order_by(
        "clip__subject__code", "clip__name", "coder__username")
    return render(request, "annotator/assignments.html", {
        "project": project, "form": form, "can_assign": can_assign(project.role), "created": created,
        "assignments": assignments[:MAX_LISTED], "total": assignments.count(),
    }, status=400 if form.errors else 200)


@require_POST
def assignment_remove(request, assignment_id: int):
    assignment = Assignment.objects.select_related("clip").filter(
        pk=assignment_id, clip__project__memberships__user=request.user).first()
    if assignment is None:
        raise Http404("No such assignment.")
    try:
        assignment_delete(assignment=assignment, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("assignment-list", project_id=assignment.clip.project_id)


@require_GET
def queue(request):
    """The coder's queue in each project where they code; the first row is what "next clip" opens."""
    queues = []
    for project in projects_for_user(request.user):
        if can_code(project.role):
            queues.append({"project": project, "assignments": queue_for(request.user, project),
                           "by_model": project_has_model_judgements(project)})
    return render(request, "annotator/queue.html", {"queues": queues})


@require_GET
def clip_next(request):
    """Redirect to the workspace of the next clip in the user's queue of ?project=; to the queue if none."""
    try:
        project = project_for_user(request.user, int(request.GET.get("project", "")))
    except ValueError:
        raise Http404("Name a project: /clips/next/?project=<id>.") from None
    assignment = next_assignment(request.user, project)
    if assignment is None:
        messages.info(request, f"Your queue in {project.name} is empty.")
        return redirect("queue")
    return redirect("workspace", clip_id=assignment.clip_id)


@require_POST
def clip_submit(request, clip_id: int):
    clip, _ = clip_for_user(request.user, clip_id)
    try:
        count = coding_submit(clip=clip, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("clip-coding", clip_id=clip.pk)
    messages.success(request, f"Submitted your coding of {clip.name} ({count} event(s) submitted).")
    return redirect(f"{reverse('clip-next')}?project={clip.project_id}")


@require_GET
def clip_coding(request, clip_id: int):
    """A clip's coding status per coder (names and states, never codes) and the submit button."""
    clip, role = clip_for_user(request.user, clip_id)
    rows = coding_status_by_clip([clip.pk]).get(clip.pk, [])
    mine = next((a for a in rows if a.coder_id == request.user.pk), None)
    return render(request, "annotator/clip_coding.html", {
        "clip": clip, "project": clip.project, "rows": rows, "mine": mine,
        "can_submit": can_code(role) and (mine is None or mine.status != Assignment.Status.SUBMITTED),
        "can_mark_reviewed": can_mark_reviewed(role),
        "deleted": deleted_events_restorable(request.user, clip, role),
    })


@require_POST
def event_undelete_page(request, clip_id: int, event_id: int):
    clip, _ = clip_for_user(request.user, clip_id)
    try:
        event = event_undelete(event_id=event_id, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Event #{event.pk} ({event.onset}–{event.offset}) is back.")
    return redirect("clip-coding", clip_id=clip.pk)


@require_POST
def clip_mark_reviewed(request, clip_id: int):
    """The lead accepts one coder's submitted codes on the clip as gold (single-coded studies)."""
    clip, _ = clip_for_user(request.user, clip_id)
    ids = list(CodingEvent.objects.filter(clip=clip, coder__username=request.POST.get("coder", ""),
                                          status=CodingEvent.Status.SUBMITTED).values_list("pk", flat=True))
    if not ids:
        messages.info(request, "That coder has no submitted codes on this clip.")
        return redirect("clip-coding", clip_id=clip.pk)
    try:
        changed = event_mark_reviewed(events=ids, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Marked {len(changed)} code(s) reviewed.")
    return redirect("clip-coding", clip_id=clip.pk)


def _agreement(request, project):
    form = AgreementFilterForm(request.GET or None)
    filters = form.filters()
    return form, filters, project_agreement(request.user, project.role, project, **filters)


@require_GET
def agreement_page(request, project_id: int):
    project = project_for_user(request.user, project_id)
    form, filters, result = _agreement(request, project)
    query = request.GET.urlencode()
    return render(request, "annotator/agreement.html", {
        "project": project, "form": form, "result": result, "query": query, "choices": agreement_choices(project),
        "by_pair": [{"coder_a": a, "coder_b": b, **figures} for (a, b), figures in result.by_pair.items()],
        "by_clip": result.by_clip[:MAX_LISTED], "sees_all": sees_all_events(project.role),
    })


@require_GET
def agreement_figure(request, project_id: int, name: str, fmt: str):
    if name not in FIGURES or fmt not in CONTENT_TYPES:
        raise Http404("No such figure.")
    project = project_for_user(request.user, project_id)
    _, _, result = _agreement(request, project)
    response = HttpResponse(FIGURES[name](result, fmt), content_type=CONTENT_TYPES[fmt])
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def agreement_download(request, project_id: int):
    project = project_for_user(request.user, project_id)
    _, _, result = _agreement(request, project)
    users = get_user_model().objects.filter(username__in=result.coders)
    body = agreement_csv(result, {user.username: coder_pseudonym(user) for user in users})
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="agreement-project-{project.pk}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
