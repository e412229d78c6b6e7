"""The OpenAPI schema documents the API for logged-in users only."""

import pytest
from django.contrib.staticfiles import finders
from rest_framework.test import APIClient


@pytest.mark.django_db
def test_the_schema_lists_the_api_for_a_logged_in_user(coder_api):
    response = coder_api.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "MEStudio API"
    paths = schema["paths"]
    for path in ("/api/projects/", "/api/projects/{project_id}/clips/", "/api/clips/{clip_id}/",
                 "/api/clips/{clip_id}/events/", "/api/events/{event_id}/", "/api/events/{event_id}/history/",
                 "/api/jobs/{job_id}/", "/api/token/"):
        assert path in paths, path
    assert set(paths["/api/events/{event_id}/"]) >= {"get", "patch", "delete"}
    assert "multipart/form-data" in paths["/api/projects/{project_id}/clips/"]["post"]["requestBody"]["content"]


@pytest.mark.django_db
def test_the_schema_is_not_public(db):
    assert APIClient().get("/api/schema/").status_code in (401, 403)


def resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    if "allOf" in node and len(node["allOf"]) == 1:
        return resolve(schema, node["allOf"][0])
    return node


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["patch", "delete"])
def test_the_409_schema_of_an_event_write_matches_the_stale_version_answer(method, ready_clip, coder_api):
    schema = coder_api.get("/api/schema/?format=json").json()
    declared = schema["paths"]["/api/events/{event_id}/"][method]["responses"]["409"]
    body_schema = resolve(schema, declared["content"]["application/json"]["schema"])

    created = coder_api.post(f"/api/clips/{ready_clip.pk}/events/", {"onset": 1, "offset": 5}, format="json")
    assert created.status_code == 201, created.content
    event_id = created.json()["id"]
    assert coder_api.patch(f"/api/events/{event_id}/", {"version": 1, "offset": 6}, format="json").status_code == 200
    stale = getattr(coder_api, method)(f"/api/events/{event_id}/", {"version": 1, "offset": 7}, format="json")
    assert stale.status_code == 409
    body = stale.json()

    assert set(body) == set(body_schema["properties"])
    assert set(body_schema["required"]) <= set(body)
    current = resolve(schema, body_schema["properties"]["current"])
    assert set(body["current"]) == set(current["properties"])
    assert body["current"]["version"] == 2


@pytest.mark.django_db
def test_swagger_ui_is_served_from_this_install_with_no_inline_code(client, coder):
    client.force_login(coder)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "http" not in html.replace('lang="en"', ""), "no CDN or other outside address"
    assert "<style" not in html and "<script>" not in html, "no inline code: the CSP needs no exception"
    start = client.get("/api/docs/?script")
    assert start.status_code == 200 and "/api/schema/" in start.content.decode()
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"), "the sidecar app is installed"


@pytest.mark.django_db
def test_swagger_ui_needs_a_login(client):
    assert client.get("/api/docs/").status_code in (302, 401, 403)
