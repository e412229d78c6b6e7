"""The workspace page hands its scripts every endpoint they call; the scripts hard-code none."""

import json
import re
from pathlib import Path

import pytest
from django.urls import resolve

WORKSPACE_JS = Path(__file__).resolve().parents[3] / "static" / "js" / "workspace"


def page_urls(client, clip) -> dict[str, str]:
    html = client.get(f"/clips/{clip.pk}/").content.decode()
    config = re.search(r'<script id="workspace-config" type="application/json">(.*?)</script>', html, re.S).group(1)
    return json.loads(config)["urls"]


@pytest.mark.django_db
def test_every_endpoint_resolves_with_its_ids_filled_in(client, coder, ready_clip):
    client.force_login(coder)
    urls = page_urls(client, ready_clip)
    assert {"frame", "face", "events", "event", "predictions", "accept", "analysis", "flow", "magnified",
            "propose", "proposal"} <= set(urls)
    for name, url in urls.items():
        match = resolve(url.replace("{id}", "7").split("?")[0])
        assert match.kwargs.get("clip_id", ready_clip.pk) == ready_clip.pk, name


def test_no_script_hard_codes_an_api_route():
    for script in WORKSPACE_JS.glob("*.js"):
        assert "/api/" not in script.read_text(), script.name


@pytest.mark.django_db
def test_a_read_only_member_is_offered_no_editing_hints(client, viewer, coder, ready_clip):
    client.force_login(viewer)
    html = client.get(f"/clips/{ready_clip.pk}/").content.decode()
    assert "read-only: your role is viewer" in html
    assert 'class="hint' not in html
    client.force_login(coder)
    assert 'class="hint' in client.get(f"/clips/{ready_clip.pk}/").content.decode()
