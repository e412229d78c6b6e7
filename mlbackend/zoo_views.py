"""The model zoo pages under the Models page: start a zoo (lead only, through the service) and its one table."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from annotator.permissions import can_manage
from annotator.selectors.access import jobs_for_user, project_for_user
from mlbackend.contract import EMOTION
from mlbackend.registry import get_plugin_class, plugin_names
from mlbackend.services.zoo import zoo_reports, zoo_start, zoo_table


def recognisers() -> list:
    return [cls for cls in map(get_plugin_class, plugin_names()) if EMOTION in cls.capabilities]


@require_POST
def zoo_start_view(request, project_id: int):
    project = project_for_user(request.user, project_id)
    try:
        seed = int(request.POST.get("seed") or 0)
        jobs = zoo_start(project=project, created_by=request.user, plugins=request.POST.getlist("plugins"),
                         protocol=request.POST.get("protocol", "loso"), seed=seed,
                         label_source=request.POST.get("label_source", "submitted"))
    except (ValidationError, ValueError) as exc:
        messages = getattr(exc, "messages", None) or [str(exc)]
        return render(request, "mlbackend/zoo.html", {
            "project": project, "plugins": recognisers(), "can_manage": True, "errors": messages}, status=400)
    return redirect("ml-zoo", project_id=project.pk, zoo_id=jobs[0].params["zoo"])


@require_GET
def zoo_page(request, project_id: int, zoo_id: str = ""):
    project = project_for_user(request.user, project_id)
    if not can_manage(project.role):  # the zoo compares models across the project: the lead's page
        raise PermissionDenied("The model zoo is the project lead's page.")
    context = {"project": project, "plugins": recognisers(), "can_manage": True, "zoo_id": zoo_id}
    if zoo_id:
        context["table"] = zoo_table(zoo_reports(project=project, zoo_id=zoo_id))
        context["jobs"] = jobs_for_user(request.user, project).filter(kind="evaluate", params__zoo=zoo_id)
    return render(request, "mlbackend/zoo.html", context)
