"""Project set-up and accounts from the app (no Django admin needed): forms parse, services check and write."""

from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods

from annotator.permissions import can_create_accounts, can_create_project, can_manage
from annotator.selectors.access import project_for_user
from annotator.services.accounts import account_create
from annotator.services.projects import project_start, project_update
from annotator.study_forms import AccountForm, ProjectForm


def add_service_errors(form, exc: ValidationError) -> None:
    """A service's ValidationError on the form's fields (or the whole form), so every message shows."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@require_http_methods(["GET", "POST"])
def project_new(request):
    if not can_create_project(request.user):
        raise PermissionDenied("Only a site administrator or a project lead creates projects.")
    form = ProjectForm(request.POST or None, initial={"emotion_labels": "happiness, surprise, disgust, repression, "
                                                      "others", "au_set": "1, 2, 4, 6, 7, 9, 10, 12, 14, 15, 17",
                                                      "default_fps": 200, "event_kinds": ["micro", "macro"]})
    if request.method == "POST" and form.is_valid():
        try:
            project = project_start(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("project", project_id=project.pk)
    return render(request, "annotator/project_form.html", {"form": form, "project": None},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def project_edit(request, project_id: int):
    project = project_for_user(request.user, project_id)
    if not can_manage(project.role):
        raise PermissionDenied("Only the project lead edits the project.")
    form = ProjectForm.for_project(project, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project_update(project=project, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("project", project_id=project.pk)
    return render(request, "annotator/project_form.html", {"form": form, "project": project},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def account_new(request):
    if not can_create_accounts(request.user):
        raise PermissionDenied("Only a site administrator creates accounts.")
    form = AccountForm(request.POST or None)
    created, link = None, ""
    if request.method == "POST" and form.is_valid():
        try:
            created, path = account_create(created_by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            # Shown once, here; never stored or mailed by the app. It works until the password is set.
            link, form = request.build_absolute_uri(path), AccountForm()
    response = render(request, "annotator/account_new.html", {"form": form, "created": created, "link": link},
                      status=400 if form.errors else 200)
    response["Cache-Control"] = "no-store"
    return response


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The one-time link of account_create: Django's reset-token check (the token dies with the first password)."""
    template_name = "registration/set_password.html"
    success_url = reverse_lazy("set-password-done")
    post_reset_login = False


class SetPasswordDoneView(auth_views.PasswordResetCompleteView):
    template_name = "registration/set_password_done.html"
