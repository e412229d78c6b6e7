"""Every route of the URLconf x every role: the status each answers, written down in one table.

The routes come from the URLconf itself, so a new route that is not in ROUTES fails
`test_every_route_is_in_the_table`. Each row: GET status for lead, coder, reviewer, viewer, anonymous, and a
lead of another project (outsider). Anonymous: pages send to the login (302), the API answers 403 (session
auth first) or 401 (frame endpoints). Another project's ids answer 404, exactly like missing ones.

The cross-project sweep sends GET, POST, PUT, PATCH and DELETE with this project's ids as the outsider: every
answer is 404 (405 where the route has no such method: Django answers that before any lookup, so it reveals
nothing) and no row of the main tables changes.
"""

import hashlib
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from annotator.models import (
    Assignment, AuditEntry, Clip, CodingEvent, EventComment, EventRevision, Export, Job, Membership, Project, Subject,
)
from annotator.services.assignments import assignment_create
from annotator.services.exports import export_create
from mlbackend.models import EvaluationReport, ModelVersion, Prediction, PredictionAcceptance

ROLES = ("lead", "coder", "reviewer", "viewer", "anonymous", "outsider")

# route -> GET status per role, in ROLES order
ROUTES = {
    "": "200 200 200 200 302 200",
    "login/": "200 200 200 200 200 200",
    "logout/": "405 405 405 405 302 405",
    "accounts/new/": "403 403 403 403 302 403",
    "accounts/set-password/done/": "200 200 200 200 200 200",
    "accounts/set-password/<uidb64>/<token>/": "200 200 200 200 200 200",
    "projects/new/": "200 403 403 403 302 200",
    "projects/<int:project_id>/settings/": "200 403 403 403 302 404",
    "projects/<int:project_id>/assignments/": "200 200 200 200 302 404",
    "assignments/<int:assignment_id>/remove/": "405 405 405 405 302 405",
    "queue/": "200 200 200 200 302 200",
    "clips/next/": "404 404 404 404 302 404",
    "clips/<int:clip_id>/coding/": "200 200 200 200 302 404",
    "clips/<int:clip_id>/submit/": "405 405 405 405 302 405",
    "projects/<int:project_id>/agreement/": "200 200 200 200 302 404",
    "projects/<int:project_id>/agreement.csv": "200 200 200 200 302 404",
    "projects/<int:project_id>/agreement/<str:name>.<str:fmt>": "200 200 200 200 302 404",
    "projects/<int:project_id>/audit/": "200 403 403 403 302 404",
    "projects/<int:project_id>/audit.csv": "200 403 403 403 302 404",
    "clips/<int:clip_id>/review/": "405 405 405 405 302 405",
    "clips/<int:clip_id>/deleted/<int:event_id>/restore/": "405 405 405 405 302 405",
    "projects/<int:project_id>/": "200 200 200 200 302 404",
    "projects/<int:project_id>/clips/": "200 200 200 200 302 404",
    "projects/<int:project_id>/upload/": "405 405 405 405 302 405",
    "projects/<int:project_id>/subjects/": "405 405 405 405 302 405",
    "projects/<int:project_id>/members/": "405 405 405 405 302 405",
    "projects/<int:project_id>/members/<int:user_id>/remove/": "405 405 405 405 302 405",
    "projects/<int:project_id>/exports/": "405 405 405 405 302 405",
    "composites/new/": "200 200 200 200 302 200",
    "exports/<int:export_id>/file/": "200 403 200 403 302 404",
    "projects/<int:project_id>/import/": "200 403 403 403 302 404",
    "projects/<int:project_id>/imports/<int:job_id>/": "404 403 403 403 302 404",
    "projects/<int:project_id>/imports/<int:job_id>.json": "404 403 403 403 302 404",
    "clips/<int:clip_id>/": "200 200 200 200 302 404",
    "clips/<int:clip_id>/retry/": "405 405 405 405 302 405",
    "projects/<int:project_id>/ml/zoo/": "200 403 403 403 302 404",
    "projects/<int:project_id>/ml/zoo/start/": "405 405 405 405 302 405",
    "projects/<int:project_id>/ml/zoo/<slug:zoo_id>/": "200 403 403 403 302 404",
    "api/schema/": "200 200 200 200 403 200",
    "api/docs/": "200 200 200 200 403 200",
    "api/token/": "405 405 405 405 405 405",
    "api/projects/": "200 200 200 200 403 200",
    "api/projects/<int:project_id>/": "200 200 200 200 403 404",
    "api/projects/<int:project_id>/subjects/": "200 200 200 200 403 404",
    "api/projects/<int:project_id>/clips/": "200 200 200 200 403 404",
    "api/clips/<int:clip_id>/": "200 200 200 200 403 404",
    "api/clips/<int:clip_id>/events/": "200 200 200 200 403 404",
    "api/clips/<int:clip_id>/frames/<int:frame_id>.jpg": "200 200 200 200 401 404",
    "api/clips/<int:clip_id>/faces/<int:frame_id>.jpg": "404 404 404 404 401 404",
    "api/clips/<int:clip_id>/frames/blocks/<int:block>.bin": "200 200 200 200 401 404",
    "api/clips/<int:clip_id>/faces/blocks/<int:block>.bin": "200 200 200 200 401 404",
    "api/clips/<int:clip_id>/coding/": "200 200 200 200 403 404",
    "api/clips/<int:clip_id>/submit/": "405 405 405 405 403 405",
    "api/projects/<int:project_id>/next-clip/": "200 200 200 200 403 404",
    "api/events/<int:event_id>/": "200 200 200 404 403 404",
    "api/events/<int:event_id>/history/": "200 200 200 404 403 404",
    "api/jobs/<int:job_id>/": "200 404 200 404 403 404",
    "api/clips/<int:clip_id>/gold/": "405 405 405 405 403 405",
    "api/events/review/": "405 405 405 405 403 405",
    "api/events/<int:event_id>/comments/": "200 200 200 404 403 404",
    "api/events/<int:event_id>/restore/": "405 405 405 405 403 405",
    "api/events/<int:event_id>/undelete/": "405 405 405 405 403 405",
    "projects/<int:project_id>/ml/": "200 200 200 200 302 404",
    "ml/reports/<int:report_id>/": "200 200 200 200 302 404",
    "ml/reports/compare/": "404 404 404 404 302 404",
    "ml/reports/<int:report_id>/download.<str:fmt>": "200 200 200 200 302 404",
    "ml/reports/<int:report_id>/<str:figure>.<str:fmt>": "404 404 404 404 302 404",
    "api/ml/plugins/": "200 200 200 200 403 200",
    "api/projects/<int:project_id>/ml/jobs/": "200 200 200 200 403 404",
    "api/projects/<int:project_id>/ml/versions/": "200 200 200 200 403 404",
    "api/ml/versions/<int:version_id>/activate/": "405 405 405 405 403 405",
    "api/jobs/<int:job_id>/cancel/": "405 405 405 405 403 405",
    "api/jobs/<int:job_id>/retry/": "405 405 405 405 403 405",
    "api/clips/<int:clip_id>/predictions/": "200 200 200 200 403 404",
    "api/predictions/<int:prediction_id>/accept/": "405 405 405 405 403 405",
    "api/ml/reports/<int:report_id>/": "200 200 200 200 403 404",
    "api/clips/<int:clip_id>/analysis/": "200 200 200 200 403 404",
    "api/clips/<int:clip_id>/flow/<int:frame_id>.jpg": "404 404 404 404 401 404",
    "api/clips/<int:clip_id>/magnified/<int:frame_id>.jpg": "404 404 404 404 401 404",
    "api/clips/<int:clip_id>/propose-interval/": "405 405 405 405 403 405",
    "api/clips/<int:clip_id>/propose-interval/<int:job_id>/": "404 404 404 404 403 404",
}
# The import report of an ingest job: not an import, 404 for the lead; the other roles may not import (403).
# Flow and magnified images exist once the clip's analysis has run (not in this world): 404 for every member.
# Django's admin: staff only, each of its many generated routes guarded by the admin site (one probe below).
ADMIN_PREFIX = "admin/"
STRINGS = {"zoo_id": "zoo-1", "name": "apex", "fmt": "csv", "figure": "confusion", "uidb64": "MQ", "token": "forged-token"}
FORMATS = {"projects/<int:project_id>/agreement/<str:name>.<str:fmt>": "png",
           "ml/reports/<int:report_id>/download.<str:fmt>": "json"}


def all_routes() -> list[str]:
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                found.append(prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns, "")
    return found


def fill(route: str, ids: dict) -> str:
    def value(match):
        converter, name = match.group(1), match.group(2)
        if converter == "int":
            return str(ids[name])
        if name == "fmt":
            return FORMATS.get(route, "csv")
        return STRINGS[name]

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


@pytest.fixture
def world(project, lead, coder, reviewer, viewer, outsider, other_project, ready_clip):
    """One of everything in `project`, made by the people who would make it."""
    ready_clip.subject.__class__.objects.filter(pk=ready_clip.subject_id).update(consent_given=True)
    from annotator.services.events import event_create

    event = event_create(clip=ready_clip, coder=coder, onset=3, apex=5, offset=9)
    assignment = assignment_create(project=project, clips=[ready_clip], coders=[coder], assigned_by=lead)[0]
    export = export_create(project=project, user=lead, format="casme2_csv")
    version = ModelVersion.objects.create(project=project, plugin="x", plugin_version="1", version="x-1",
                                          checkpoint="none", created_by=lead)
    report = EvaluationReport.objects.create(project=project, plugin="x", plugin_version="1", created_by=lead)
    prediction = Prediction.objects.create(clip=ready_clip, model_version=version, onset=1, offset=4, score=0.5)
    return {
        "project_id": project.pk, "clip_id": ready_clip.pk, "event_id": event.pk, "frame_id": 0, "block": 0,
        "job_id": Job.objects.get(clip=ready_clip).pk, "assignment_id": assignment.pk, "export_id": export.pk,
        "version_id": version.pk, "report_id": report.pk, "prediction_id": prediction.pk, "user_id": coder.pk,
    }


def clients() -> dict:
    found = {}
    for role in ROLES:
        client = APIClient()
        if role != "anonymous":
            client.force_login(get_user_model().objects.get(username=role))
        found[role] = client
    return found


def test_every_route_is_in_the_table():
    routes = [r for r in all_routes() if not r.startswith(ADMIN_PREFIX)]
    missing = sorted(set(routes) - set(ROUTES))
    assert not missing, f"routes with no row in the permission table: {missing}"
    assert not set(ROUTES) - set(routes), "rows for routes that no longer exist"
    assert all(len(row.split()) == len(ROLES) for row in ROUTES.values())


@pytest.mark.django_db
def test_each_role_gets_what_the_table_says(world):
    found, wrong = {}, []
    by_role = clients()
    for route, row in ROUTES.items():
        url = fill(route, world)
        statuses = [by_role[role].get(url).status_code for role in ROLES]
        found[route] = " ".join(map(str, statuses))
        if found[route] != row:
            wrong.append(f"{route}: table {row}, got {found[route]}")
    assert not wrong, "\n".join(wrong)
    for role in ROLES:
        answer = by_role[role].get("/admin/")
        assert answer.status_code == 302 and "/login/" in answer["Location"], f"{role} reached the admin"


MAIN_TABLES = (Project, Subject, Membership, Clip, CodingEvent, EventRevision, EventComment, Assignment, Export, Job,
               AuditEntry, ModelVersion, EvaluationReport, Prediction, PredictionAcceptance)


def checksums() -> dict[str, str]:
    return {model.__name__: hashlib.sha256(json.dumps(list(model.objects.order_by("pk").values()), default=str,
                                                      sort_keys=True).encode()).hexdigest() for model in MAIN_TABLES}


@pytest.mark.django_db
def test_another_projects_ids_answer_404_to_every_method_and_change_nothing(world):
    outsider = clients()["outsider"]
    before = checksums()
    id_routes = [r for r in ROUTES if "<int:" in r]
    assert len(id_routes) >= 40
    body = {"version": 1, "expected_version": 1, "events": [world["event_id"]], "from_events": [world["event_id"]],
            "text": "x", "onset": 1, "offset": 2, "code": "S99", "role": "viewer", "username": "outsider",
            "subject": "S01", "format": "casme2_csv", "coder": "coder", "plugin": "x"}
    answers = {}
    for route in id_routes:
        url = fill(route, world)
        for method in ("get", "post", "put", "patch", "delete"):
            status = getattr(outsider, method)(url, body, format="json").status_code
            answers[f"{method.upper()} {url}"] = status
    # Ids in the body are this project's too: the bulk review route must not mark them.
    answers["POST /api/events/review/"] = outsider.post("/api/events/review/", body, format="json").status_code
    wrong = {call: status for call, status in answers.items() if status not in (404, 405)}
    assert not wrong, wrong
    assert checksums() == before
