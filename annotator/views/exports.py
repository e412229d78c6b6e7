"""Export pages: the project's export log and form (htmx partial) and the login- and role-checked download."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from annotator.exports.formats import FORMATS
from annotator.forms import ExportForm
from annotator.models import Export
from annotator.permissions import can_manage
from annotator.selectors.access import project_for_user
from annotator.selectors.exports import exports_of_project
from annotator.services.exports import can_export, export_create, export_file_for


def exports_context(project, form=None, message: str = "") -> dict:
    return {"project": project, "exports": exports_of_project(project)[:50], "formats": FORMATS,
            "export_form": form or ExportForm(), "export_message": message,
            "can_export": can_export(project.role), "can_manage": can_manage(project.role)}


@require_POST
def export_start(request, project_id: int):
    project = project_for_user(request.user, project_id)
    if not can_export(project.role):
        raise PermissionDenied("Only the project lead and reviewers export codes.")
    form = ExportForm(request.POST)
    message = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            export = export_create(
                project=project, user=request.user, format=data["format"],
                filters={key: data[key] for key in ("status", "coder", "subject", "dataset")},
                consent_override=data["consent_override"],
            )
        except ValidationError as exc:
            form.add_error(None, "; ".join(exc.messages))
        else:
            message = {Export.Status.READY: f"Export {export.pk} is ready: {export.row_count} rows.",
                       Export.Status.PENDING: f"Export {export.pk} is large; it runs as job {export.job_id}.",
                       Export.Status.FAILED: f"Export {export.pk} failed: {export.error}"}[export.status]
    return render(request, "annotator/_exports.html", exports_context(project, form, message),
                  status=400 if form.errors else 200)


@require_GET
def export_download(request, export_id: int):
    export = Export.objects.filter(pk=export_id, project__memberships__user=request.user).select_related("project").first()
    if export is None:
        raise Http404("No such export.")
    try:
        path = export_file_for(export=export, user=request.user)
    except ValidationError as exc:
        raise Http404(" ".join(exc.messages)) from None
    fmt = FORMATS[export.format]
    # The file name is built from ids: a project name never reaches a header.
    response = FileResponse(open(path, "rb"), as_attachment=True, content_type=fmt.content_type,
                            filename=f"mestudio-export-{export.pk}.{fmt.extension}")
    response["Cache-Control"] = "private, no-store"
    return response
