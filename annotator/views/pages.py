"""Server-rendered pages; htmx swaps their partials. Logic stays in services and selectors."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from annotator.api.serializers import ClipSerializer, EventSerializer
from annotator.api.upload_throttle import upload_refusal
from annotator.facs import AU_NAMES, INTENSITIES
from annotator.forms import MemberForm, SubjectForm, UploadForm
from annotator.models import Clip
from annotator.permissions import can_adjudicate, can_code, can_create_accounts, can_create_project, can_manage, can_reingest
from annotator.selectors.access import clip_for_user, events_visible, project_for_user, projects_for_user
from annotator.selectors.clip_table import ClipFilters, clip_table_page
from annotator.selectors.clips import clips_of_project, map_samples_by_dataset
from annotator.services.audit import media_view_record
from annotator.services.clips import clip_create_from_uploads, clip_reingest
from annotator.services.projects import membership_remove, membership_set, subject_create, subject_get_or_create
from annotator.views.exports import exports_context
from annotator.views.workspace_lanes import other_lanes
from annotator.views.workspace_urls import workspace_urls


@require_GET
def home(request):
    return render(request, "annotator/home.html", {
        "projects": projects_for_user(request.user), "can_create_project": can_create_project(request.user),
        "can_create_accounts": can_create_accounts(request.user)})


def _clip_table_context(request, project) -> dict:
    filters = ClipFilters.from_query(request.GET)
    return clip_table_page(project=project, user=request.user, role=project.role, filters=filters) | {
        "project": project, "can_reingest": can_reingest(project.role)}


@require_GET
def project_detail(request, project_id: int):
    project = project_for_user(request.user, project_id)
    context = _clip_table_context(request, project) | exports_context(project) | {
        "upload_form": UploadForm(), "subject_form": SubjectForm(), "member_form": MemberForm(),
        "memberships": project.memberships.select_related("user").order_by("user__username"),
        "can_upload": can_code(project.role), "can_manage": can_manage(project.role),
        "map_samples": map_samples_by_dataset(project),
    }
    return render(request, "annotator/project.html", context)


@require_GET
def clip_table(request, project_id: int):
    project = project_for_user(request.user, project_id)
    return render(request, "annotator/_clip_table.html", _clip_table_context(request, project))


@require_POST
def clip_upload(request, project_id: int):
    project = project_for_user(request.user, project_id)
    if not can_code(project.role):
        raise PermissionDenied("Your role in this project does not allow uploads.")
    form = UploadForm(request.POST, request.FILES)
    message = ""
    refusal = upload_refusal(request)
    if refusal:
        form.full_clean()
        form.add_error(None, refusal)
        context = _clip_table_context(request, project) | {"upload_form": form, "upload_message": ""}
        return render(request, "annotator/_upload_result.html", context, status=429)
    if form.is_valid():
        data = form.cleaned_data
        try:
            subject = subject_get_or_create(project=project, code=data["subject"])
            clips = clip_create_from_uploads(
                project=project, subject=subject, files=data["files"], created_by=request.user,
                as_frame_folder=data["as_frame_folder"], folder_name=data["folder_name"], fps=data["fps"],
            )
        except (ValidationError, ValueError) as exc:
            form.add_error(None, "; ".join(getattr(exc, "messages", [str(exc)])))
        else:
            message = f"{len(clips)} clip(s) queued for ingest."
            form = UploadForm(initial={"subject": data["subject"]})
    context = _clip_table_context(request, project) | {"upload_form": form, "upload_message": message}
    return render(request, "annotator/_upload_result.html", context, status=200 if not form.errors else 400)


@require_POST
def subject_add(request, project_id: int):
    project = project_for_user(request.user, project_id)
    if not can_manage(project.role):
        raise PermissionDenied("Only the project lead adds subjects.")
    form = SubjectForm(request.POST)
    if form.is_valid():
        try:
            subject_create(project=project, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form = SubjectForm()
    # _subjects.html reads `form` (project.html includes it `with form=subject_form`).
    return render(request, "annotator/_subjects.html", {"project": project, "form": form, "subject_form": form,
                                                        "can_manage": True}, status=400 if form.errors else 200)


@require_POST
def member_set(request, project_id: int):
    project = project_for_user(request.user, project_id)
    if not can_manage(project.role):
        raise PermissionDenied("Only the project lead manages members.")
    form = MemberForm(request.POST)
    if form.is_valid():
        user = get_user_model().objects.filter(username=form.cleaned_data["username"]).first()
        if user is None:
            form.add_error("username", "No account with that username; ask an administrator to create it.")
        else:
            try:
                membership_set(project=project, user=user, role=form.cleaned_data["role"], set_by=request.user)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form = MemberForm()
    return _members_fragment(request, project, form=form, status=400 if form.errors else 200)


@require_POST
def member_remove(request, project_id: int, user_id: int):
    project = project_for_user(request.user, project_id)
    user = get_object_or_404(get_user_model(), pk=user_id)
    try:
        membership_remove(project=project, user=user, removed_by=request.user)
    except ValidationError as exc:
        return _members_fragment(request, project, form=MemberForm(), error=" ".join(exc.messages), status=400)
    return _members_fragment(request, project, form=MemberForm())


def _members_fragment(request, project, *, form, error: str = "", status: int = 200):
    memberships = project.memberships.select_related("user").order_by("user__username")
    return render(request, "annotator/_members.html", {"project": project, "member_form": form, "member_error": error,
                                                       "memberships": memberships, "can_manage": True}, status=status)


@require_POST
def clip_retry(request, clip_id: int):
    clip, _ = clip_for_user(request.user, clip_id)
    error = ""
    try:
        clip_reingest(clip=clip, created_by=request.user)
    except ValidationError as exc:
        error = "; ".join(exc.messages)
    context = _clip_table_context(request, project_for_user(request.user, clip.project_id)) | {"table_error": error}
    return render(request, "annotator/_clip_table.html", context, status=400 if error else 200)


@require_GET
def workspace(request, clip_id: int):
    clip, role = clip_for_user(request.user, clip_id)
    project = project_for_user(request.user, clip.project_id)
    media_view_record(request=request, user=request.user, clip_id=clip.pk, project_id=project.pk)
    siblings = list(clips_of_project(project).filter(status=Clip.Status.READY).values_list("id", flat=True))
    position = siblings.index(clip.pk) if clip.pk in siblings else None
    config = {
        "clip": ClipSerializer(clip).data | {"dataset": clip.dataset},
        "frameNumbers": clip.frame_numbers,
        "events": EventSerializer(events_visible(request.user, clip, role).filter(coder=request.user), many=True).data,
        "emotions": project.emotion_labels,
        "aus": [{"number": n, "name": AU_NAMES.get(n, "")} for n in project.au_set],
        "intensities": list(INTENSITIES),
        "otherEvents": other_lanes(request.user, clip, role),
        "presenceSocket": f"/ws/clips/{clip.pk}/",  # annotator/routing.py: a socket route, not a Django URL
        "canCode": can_code(role),
        "canAdjudicate": can_adjudicate(role),
        "user": request.user.username,
        "urls": workspace_urls(clip) | {"nextClip": f"{reverse('clip-next')}?project={project.pk}"},
    }
    neighbours = {
        "previous": siblings[position - 1] if position else None,
        "next": siblings[position + 1] if position is not None and position + 1 < len(siblings) else None,
    }
    return render(request, "annotator/workspace.html", {
        "clip": clip, "project": project, "role": role, "config": config, "neighbours": neighbours,
    })


