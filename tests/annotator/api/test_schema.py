"""The OpenAPI schema documents the API for logged-in users only."""

import pytest
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
