"""Dataset import pages: the lead's Import form, and each import's report (page and JSON)."""

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render

from annotator.jobkinds import IMPORT
from annotator.datasets import FORMATS
from annotator.datasets.maps import APEX, DEFAULT_LABEL_NAMES, MAPS
from annotator.jobkinds import IMPORT
from annotator.models import ImportReport, Job
from annotator.selectors.access import project_for_user
from annotator.services.dataset_jobs import (
    check_can_import, dataset_import_start, import_folder_choices, import_report_json,
)


class ImportForm(forms.Form):
    format = forms.ChoiceField(choices=[])
    archive = forms.FileField(required=False, help_text="A .zip or .tar(.gz) of the dataset folder.")
    folder = forms.ChoiceField(required=False, choices=[], help_text="Or a folder under the server's import roots.")
    dry_run = forms.BooleanField(required=False, label="Dry run (check and report, import nothing)")

    def __init__(self, *args, folders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [(name, f"{fmt.label} ({name})") for name, fmt in sorted(FORMATS.items())]
        self.fields["folder"].choices = [("", "—"), *folders]


class MapImportForm(forms.Form):
    """A precomputed-map or apex-image set: images (archive or server folder) and their label CSV."""

    map_kind = forms.ChoiceField(label="Kind", choices=[(MAPS, "flow maps (u, v, strain as R, G, B)"),
                                                       (APEX, "apex face images")])
    archive = forms.FileField(required=False, help_text="A .zip or .tar(.gz) of the image folder.")
    folder = forms.ChoiceField(required=False, choices=[], help_text="Or a folder under the server's import roots.")
    labels = forms.FileField(help_text="CSV with the columns dataset, sub, filename_o, label (extra columns kept).")
    label_names = forms.CharField(initial=",".join(DEFAULT_LABEL_NAMES), max_length=500,
                                  help_text="Emotion names of numeric labels 0, 1, 2, ...")
    dry_run = forms.BooleanField(required=False, label="Dry run (check and report, import nothing)")

    def __init__(self, *args, folders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["folder"].choices = [("", "—"), *folders]


def _start(form, project, user, data, **extra):
    try:
        return dataset_import_start(project=project, user=user, dry_run=data["dry_run"], archive=data["archive"],
                                    folder=data["folder"], **extra)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    return None


def _import_jobs(project):
    return Job.objects.filter(project=project, kind=IMPORT).select_related("created_by")[:50]


def import_page(request, project_id: int):
    project = project_for_user(request.user, project_id)
    check_can_import(project=project, user=request.user)
    folders = import_folder_choices()
    posted_maps = request.method == "POST" and "map_kind" in request.POST
    form = ImportForm(request.POST if request.method == "POST" and not posted_maps else None,
                      request.FILES or None, folders=folders)
    map_form = MapImportForm(request.POST if posted_maps else None, request.FILES or None, folders=folders)
    bound = map_form if posted_maps else form
    if request.method == "POST" and bound.is_valid():
        data = bound.cleaned_data
        if posted_maps:
            names = [name.strip() for name in data["label_names"].split(",") if name.strip()]
            job = _start(bound, project, request.user, data, format=data["map_kind"], labels=data["labels"],
                         label_names=names)
        else:
            job = _start(bound, project, request.user, data, format=data["format"])
        if job is not None:
            return redirect("import-report", project_id=project.pk, job_id=job.pk)
    return render(request, "annotator/import.html", {
        "project": project, "form": form, "map_form": map_form, "jobs": _import_jobs(project),
        "has_roots": bool(folders),
    }, status=400 if bound.errors else 200)


def _report_job(request, project_id: int, job_id: int):
    project = project_for_user(request.user, project_id)
    check_can_import(project=project, user=request.user)
    job = Job.objects.filter(project=project, kind=IMPORT, pk=job_id).first()
    if job is None:
        raise Http404("No such import.")
    return project, job, ImportReport.objects.filter(job=job).first()


def import_report(request, project_id: int, job_id: int):
    project, job, report = _report_job(request, project_id, job_id)
    rows = sorted(report.rows, key=lambda row: (row["outcome"] == "imported", row["line"] or 0)) if report else []
    return render(request, "annotator/import_report.html", {
        "project": project, "job": job, "report": report, "rows": rows,
    })


def import_report_data(request, project_id: int, job_id: int):
    _, job, report = _report_job(request, project_id, job_id)
    payload = {"job": job.pk, "status": job.status, "error": job.error, "progress": job.progress}
    return JsonResponse(payload | ({"report": import_report_json(report)} if report else {}))
