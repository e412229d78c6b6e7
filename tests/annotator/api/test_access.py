"""Who reaches what: logins, tokens, members and outsiders. Another project's ids answer 404 and change nothing."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotator.models import Clip, CodingEvent, EventRevision, Job, Membership, Project, Subject

# Open by design: the token endpoint is how a client logs in; the login page is where everyone else is sent.
PUBLIC = {"api/token/"}


def all_routes() -> list[str]:
    """Every URL pattern of the project as a route string, e.g. 'api/clips/<int:clip_id>/events/'."""
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                found.append(prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns, "")
    return found


def fill(route: str, ids: dict[str, int]) -> str:
    def value(match):
        converter, name = match.group(1), match.group(2)
        if converter == "int":
            return str(ids.get(name, 1))
        return {"fmt": "csv", "figure": "roc"}.get(name, "x")

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


@pytest.fixture
def world(ready_clip, coder_api):
    """One of everything in `project`: a ready clip, an event with history, an ingest job."""
    event = coder_api.post(f"/api/clips/{ready_clip.pk}/events/", {"onset": 3, "offset": 9}, format="json").json()
    return {
        "project_id": ready_clip.project_id, "clip_id": ready_clip.pk, "event_id": event["id"],
        "job_id": Job.objects.get(clip=ready_clip).pk, "frame_id": 0,
    }


def snapshot() -> tuple:
    """Everything a write could change."""
    return (
        sorted(Project.objects.values_list("id", "name", "description", "default_fps")),
        sorted(Subject.objects.values_list("id", "code", "project_id")),
        sorted(Clip.objects.values_list("id", "status", "frame_count", "name")),
        sorted(CodingEvent.objects.values_list("id", "version", "onset", "offset", "notes", "coder_id")),
        EventRevision.objects.count(),
        sorted(Job.objects.values_list("id", "status")),
        sorted(Membership.objects.values_list("project_id", "user_id", "role")),
    )


def test_the_url_map_has_the_routes_these_tests_rely_on():
    routes = set(all_routes())
    for route in ("", "projects/<int:project_id>/", "clips/<int:clip_id>/",
                  "api/clips/<int:clip_id>/frames/<int:frame_id>.jpg", "api/events/<int:event_id>/history/",
                  "api/jobs/<int:job_id>/", "api/schema/"):
        assert route in routes


@pytest.mark.django_db
def test_every_api_route_refuses_anonymous_clients(world):
    client = APIClient()
    before = snapshot()
    api_routes = [r for r in all_routes() if r.startswith("api/") and r not in PUBLIC]
    assert len(api_routes) >= 13
    for route in api_routes:
        url = fill(route, world)
        for method in ("get", "post", "patch", "delete"):
            response = getattr(client, method)(url, {}, format="json")
            allowed = {401, 403} if method == "get" else {401, 403, 405}
            assert response.status_code in allowed, f"{method.upper()} {url} answered {response.status_code}"
            assert response.get("Content-Type", "").split(";")[0] != "image/jpeg"
    assert snapshot() == before


@pytest.mark.django_db
def test_every_page_sends_anonymous_visitors_to_the_login(world, client):
    pages = [r for r in all_routes()
             if not r.startswith(("api/", "admin/", "login/", "logout/")) and "<path" not in r]
    assert {"", "projects/<int:project_id>/", "clips/<int:clip_id>/"} <= set(pages)
    for route in pages:
        url = fill(route, world)
        response = client.get(url)
        assert response.status_code == 302, f"GET {url} answered {response.status_code}"
        assert response["Location"].startswith("/login/?next="), url
    assert client.post(f"/projects/{world['project_id']}/upload/").status_code == 302
    assert client.get("/login/").status_code == 200


@pytest.mark.django_db
def test_token_auth_works_for_the_api_and_the_frame_endpoint(world, coder):
    anonymous = APIClient()
    response = anonymous.post("/api/token/", {"username": "coder", "password": "coder-pass-123"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=coder).key

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    projects = client.get("/api/projects/")
    assert projects.status_code == 200
    assert [p["id"] for p in projects.json()] == [world["project_id"]]
    frame = client.get(f"/api/clips/{world['clip_id']}/frames/0.jpg")
    assert frame.status_code == 200
    assert frame["Content-Type"] == "image/jpeg"
    created = client.post(f"/api/clips/{world['clip_id']}/events/", {"onset": 1, "offset": 2}, format="json")
    assert created.status_code == 201  # token clients are not subject to CSRF

    forged = APIClient()
    forged.credentials(HTTP_AUTHORIZATION=f"Token {token[:-1]}{'0' if token[-1] != '0' else '1'}")
    assert forged.get("/api/projects/").status_code in (401, 403)  # DRF says 403 when session auth comes first
    assert forged.get(f"/api/clips/{world['clip_id']}/frames/0.jpg").status_code == 401


@pytest.mark.django_db
def test_a_wrong_password_gets_no_token(coder):
    response = APIClient().post("/api/token/", {"username": "coder", "password": "guess"}, format="json")
    assert response.status_code == 400
    assert not Token.objects.exists()


@pytest.mark.django_db
def test_session_writes_need_a_csrf_token(world, coder):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(coder)
    assert client.get("/api/projects/").status_code == 200
    response = client.post(f"/api/clips/{world['clip_id']}/events/", {"onset": 1, "offset": 2}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


@pytest.mark.django_db
def test_an_outsider_gets_404_for_another_projects_ids_and_changes_nothing(world, outsider, other_project, api_for,
                                                                           sample_dir):
    client = api_for(outsider)
    before = snapshot()
    p, c, e, j = world["project_id"], world["clip_id"], world["event_id"], world["job_id"]
    reads = [f"/api/projects/{p}/", f"/api/projects/{p}/subjects/", f"/api/projects/{p}/clips/", f"/api/clips/{c}/",
             f"/api/clips/{c}/events/", f"/api/clips/{c}/frames/0.jpg", f"/api/clips/{c}/faces/0.jpg",
             f"/api/events/{e}/", f"/api/events/{e}/history/", f"/api/jobs/{j}/"]
    for url in reads:
        response = client.get(url)
        assert response.status_code == 404, f"GET {url} answered {response.status_code}"
        assert response.get("Content-Type", "").split(";")[0] == "application/json"

    writes = [
        ("post", f"/api/clips/{c}/events/", {"onset": 1, "offset": 2}),
        ("patch", f"/api/events/{e}/", {"version": 1, "notes": "pwned"}),
        ("delete", f"/api/events/{e}/", {"version": 1}),
        ("post", f"/api/projects/{p}/subjects/", {"code": "S99"}),
    ]
    for method, url, data in writes:
        response = getattr(client, method)(url, data, format="json")
        assert response.status_code == 404, f"{method.upper()} {url} answered {response.status_code}"
    with open(sample_dir / "single_face.mp4", "rb") as video:
        upload = client.post(f"/api/projects/{p}/clips/", {"subject": "S01", "files": [video]}, format="multipart")
    assert upload.status_code == 404

    assert [x["id"] for x in client.get("/api/projects/").json()] == [other_project[0].pk]
    assert snapshot() == before


@pytest.mark.django_db
def test_an_outsider_gets_404_on_another_projects_pages(world, outsider, client):
    client.force_login(outsider)
    before = snapshot()
    p, c = world["project_id"], world["clip_id"]
    for url in (f"/projects/{p}/", f"/projects/{p}/clips/", f"/clips/{c}/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/projects/{p}/upload/", {"subject": "S01"}).status_code == 404
    assert client.post(f"/projects/{p}/subjects/", {"code": "S77"}).status_code == 404
    assert client.post(f"/clips/{c}/retry/").status_code == 404
    assert snapshot() == before
    assert world["project_id"] not in [p.pk for p in client.get("/").context["projects"]]


@pytest.mark.django_db
def test_a_member_reads_their_project(world, coder_api, lead_api):
    for url in (f"/api/projects/{world['project_id']}/", f"/api/clips/{world['clip_id']}/",
                f"/api/events/{world['event_id']}/history/"):
        assert coder_api.get(url).status_code == 200, url
    assert lead_api.get(f"/api/jobs/{world['job_id']}/").status_code == 200, "the lead started the ingest job"


@pytest.mark.django_db
def test_ids_that_do_not_exist_look_like_ids_of_other_projects(world, coder_api):
    for url in ("/api/projects/999999/", "/api/clips/999999/", "/api/clips/999999/frames/0.jpg",
                "/api/events/999999/", "/api/jobs/999999/"):
        assert coder_api.get(url).status_code == 404, url


@pytest.mark.django_db
def test_media_files_are_never_served_by_url(world, client, coder, media_root):
    stored = media_root / "clips" / str(world["clip_id"]) / "frames" / "000000.jpg"
    assert stored.is_file()
    paths = [f"/media/clips/{world['clip_id']}/frames/000000.jpg", f"/media/clips/{world['clip_id']}/source/video.mp4",
             f"/static/../media/clips/{world['clip_id']}/frames/000000.jpg"]
    body = stored.read_bytes()
    for url in paths:
        anonymous = client.get(url)
        assert anonymous.status_code in (302, 404), url
        assert anonymous.content != body
    client.force_login(coder)
    for url in paths:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.content != body


@pytest.mark.django_db
def test_only_site_admins_create_projects(lead_api, lead, api_for, db):
    assert lead_api.post("/api/projects/", {"name": "Mine"}, format="json").status_code == 403
    lead.is_staff = True
    lead.save()
    response = api_for(lead).post("/api/projects/", {"name": "Mine"}, format="json")
    assert response.status_code == 201
    assert response.json()["role"] == "lead"


@pytest.mark.django_db
def test_only_the_lead_adds_subjects(project, coder_api, lead_api):
    assert coder_api.post(f"/api/projects/{project.pk}/subjects/", {"code": "S05"}, format="json").status_code == 403
    response = lead_api.post(f"/api/projects/{project.pk}/subjects/", {"code": "S05"}, format="json")
    assert response.status_code == 201
    again = lead_api.post(f"/api/projects/{project.pk}/subjects/", {"code": "S05"}, format="json")
    assert again.status_code == 400
    assert "already exists" in again.json()["code"][0]
    bad = lead_api.post(f"/api/projects/{project.pk}/subjects/", {"code": "Jane Doe"}, format="json")
    assert bad.status_code == 400
    assert "pseudonym" in bad.json()["code"][0]
