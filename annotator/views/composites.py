"""The composite page: pick source projects and a mapping, see the counts, then build."""

import tempfile
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render

from annotator.composites.mappings import NAMED, MappingError, ground_truth, mapping_from_dict
from annotator.forms import CompositeForm
from annotator.models import Membership
from annotator.selectors.access import projects_for_user
from annotator.selectors.composites import composite_plan
from annotator.services.composites import composite_build


def _led_projects(user):
    return projects_for_user(user).filter(memberships__user=user, memberships__role=Membership.Role.LEAD)


def _truth(upload):
    if upload is None:
        return None
    with tempfile.NamedTemporaryFile(suffix=".csv") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        return ground_truth(Path(handle.name))


def composite_page(request):
    led = _led_projects(request.user)
    form = CompositeForm(request.POST or None, request.FILES or None, projects=led)
    plan = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            mapping = mapping_from_dict(data["custom_mapping"]) if data["custom_mapping"] else NAMED[data["mapping"]]
            truth = _truth(data["ground_truth"])
            sources = list(data["sources"])
            plan = composite_plan(sources=sources, mapping=mapping, label_source=data["label_source"], truth=truth)
            if request.POST.get("action") == "build":
                if not data["name"]:
                    raise ValidationError({"name": "Name the composite project."})
                project = composite_build(name=data["name"], sources=sources, mapping=mapping,
                                          created_by=request.user, label_source=data["label_source"], truth=truth,
                                          plan=plan)
                return redirect("project", project_id=project.pk)
        except (MappingError, UnicodeDecodeError) as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form.add_error(None, "; ".join(exc.messages))
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
    status = 400 if form.errors else 200
    return render(request, "annotator/composite.html", {"form": form, "plan": plan, "mappings": NAMED.values()},
                  status=status)
