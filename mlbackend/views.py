"""ML pages: the project's models and jobs, and evaluation reports."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from annotator.jobkinds import INGEST
from annotator.permissions import can_manage
from annotator.selectors.access import jobs_for_user, project_for_user
from mlbackend.jobkinds import ANALYSE, EVALUATE, PREANNOTATE, PROPOSE, TRAIN
from mlbackend.models import EvaluationReport, ModelVersion
from mlbackend.registry import get_plugin_class, plugin_names
from mlbackend.reports import confusion_figure, per_class_figure, report_export
from mlbackend.selectors import report_for_user
from mlbackend.services.readiness import code_stats, job_blocker

FIGURES = {"confusion": confusion_figure, "per-class": per_class_figure}
CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def _report(request, report_id: int) -> EvaluationReport:
    return report_for_user(request.user, report_id)[0]


MODEL_JOBS = (TRAIN, EVALUATE, PREANNOTATE)


def _readiness(project, plugins) -> tuple[dict, dict]:
    """Why each start-form choice would fail ("" when it can succeed), keyed "kind|plugin|label source|evaluate",
    and the choice the form opens on: the first that can succeed, training before the others, gold codes first."""
    sources = sorted(ModelVersion.LabelSource.values, key=lambda source: source != ModelVersion.LabelSource.REVIEWED)
    stats = {source: code_stats(project, source) for source in sources}
    reasons = {}
    for kind in MODEL_JOBS:
        for plugin in plugins:
            for source in sources:
                for evaluate in (True, False):
                    reasons[f"{kind}|{plugin.name}|{source}|{str(evaluate).lower()}"] = job_blocker(
                        project=project, kind=kind, plugin_class=plugin, label_source=source, evaluate=evaluate,
                        stats=stats[source])
    ready = [key for key, reason in reasons.items() if not reason]
    kind, plugin, source, evaluate = (ready[0] if ready else f"{TRAIN}|{plugins[0].name}|reviewed|true"
                                      if plugins else "|||true").split("|")
    return reasons, {"kind": kind, "plugin": plugin, "label_source": source, "evaluate": evaluate == "true"}


@require_GET
def ml_home(request, project_id: int):
    project = project_for_user(request.user, project_id)
    plugins = [get_plugin_class(name) for name in plugin_names()]
    jobs = jobs_for_user(request.user, project).exclude(kind=INGEST)
    reasons, default = _readiness(project, plugins) if can_manage(project.role) else ({}, {})
    return render(request, "mlbackend/ml_home.html", {
        "project": project, "can_manage": can_manage(project.role),
        "plugins": plugins, "readiness": reasons, "default": default,
        # Model jobs apart from the per-clip housekeeping (analysis, proposals) that opening clips starts.
        "jobs": jobs.filter(kind__in=MODEL_JOBS)[:20],
        "clip_jobs": jobs.filter(kind__in=(ANALYSE, PROPOSE))[:20],
        "versions": project.model_versions.all()[:50],
        "reports": project.evaluation_reports.select_related("model_version")[:50],
    })


@require_GET
def report_detail(request, report_id: int):
    report, detailed = report_for_user(request.user, report_id)
    others = report.project.evaluation_reports.exclude(pk=report.pk)[:30]
    return render(request, "mlbackend/report.html", {"report": report, "project": report.project, "others": others,
                                                     "detailed": detailed})


@require_GET
def report_compare(request):
    try:
        first, second = (_report(request, int(request.GET[key])) for key in ("a", "b"))
    except (KeyError, ValueError):
        raise Http404("Choose two reports to compare.") from None
    if first.project_id != second.project_id:
        raise PermissionDenied("Compare reports of one project.")
    datasets = sorted(set(first.per_dataset) | set(second.per_dataset))
    subjects = sorted({row["subject"] for row in first.per_subject} | {row["subject"] for row in second.per_subject})
    by_subject = lambda report: {row["subject"]: row for row in report.per_subject}  # noqa: E731
    rows = [(s, by_subject(first).get(s), by_subject(second).get(s)) for s in subjects]
    return render(request, "mlbackend/compare.html", {
        "a": first, "b": second, "project": first.project, "datasets": datasets, "subject_rows": rows,
    })


@require_GET
def report_download(request, report_id: int, fmt: str):
    if fmt not in {"csv", "json"}:
        raise Http404("Reports download as .csv or .json.")
    report, body, content_type = report_export(user=request.user, report_id=report_id, fmt=fmt)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="loso-report-{report.pk}.{fmt}"'
    return response


@require_GET
def report_figure(request, report_id: int, figure: str, fmt: str):
    if figure not in FIGURES or fmt not in CONTENT_TYPES:
        raise Http404("No such figure.")
    report = _report(request, report_id)
    return HttpResponse(FIGURES[figure](report, fmt), content_type=CONTENT_TYPES[fmt],
                        headers={"Cache-Control": "private, max-age=3600"})
