"""The lead's audit page and its CSV: parse the filters, call the selector, render."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from annotator.permissions import can_read_audit
from annotator.selectors.access import project_for_user
from annotator.selectors.audit import ACTIONS, audit_csv, audit_rows

MAX_CSV_ROWS = 100_000


class AuditFilterForm(forms.Form):
    user = forms.CharField(required=False, max_length=150)
    action = forms.ChoiceField(required=False, choices=[("", "any"), *((a, a) for a in ACTIONS)])
    since = forms.DateField(required=False)
    until = forms.DateField(required=False)


def _filtered(request, project_id: int, limit: int):
    project = project_for_user(request.user, project_id)
    if not can_read_audit(project.role):
        raise PermissionDenied("Only the project lead reads the audit trail.")
    form = AuditFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    rows = audit_rows(project, username=data.get("user", ""), action=data.get("action", ""),
                      since=data.get("since"), until=data.get("until"), limit=limit)
    return project, form, rows


@require_GET
def audit_page(request, project_id: int):
    project, form, rows = _filtered(request, project_id, limit=500)
    return render(request, "annotator/audit.html", {"project": project, "form": form, "rows": rows,
                                                    "query": request.GET.urlencode()},
                  status=400 if form.errors else 200)


@require_GET
def audit_download(request, project_id: int):
    project, _, rows = _filtered(request, project_id, limit=MAX_CSV_ROWS)
    response = HttpResponse(audit_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-project-{project.pk}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
