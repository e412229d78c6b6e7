"""Blindness through the routes test_blindness.py does not walk: comments, restore, review and gold (a gold event
is shown to every member), the coding-status API, the audit trail, exports, the workspace page and the job
WebSocket. Before both coders submitted, nothing of the other coder's timing reaches a coder."""

import json

import pytest
from asgiref.sync import async_to_sync

from annotator.models import CodingEvent
from annotator.services.assignments import assignment_create
from annotator.services.jobs import job_create
from tests.annotator.studies.conftest import add
from tests.mlbackend.test_consumers import communicator, session_cookie


@pytest.fixture
def blind(project, lead, coder, other_coder, make_clip, coder_api, api_for):
    clip = make_clip("blind", frames=100)
    assignment_create(project=project, clips=[clip], coders=[coder, other_coder], assigned_by=lead)
    mine = add(coder_api, clip, 10, 15, 20, "happiness", (12,))
    theirs = add(api_for(other_coder), clip, 41, 47, 53, "surprise", (1, 2))
    return clip, mine, theirs


@pytest.mark.django_db
def test_no_route_hands_a_coder_the_other_blind_coders_timing(blind, project, lead, coder, reviewer, coder_api,
                                                              api_for, client):
    clip, mine, theirs = blind
    other = theirs["id"]
    assert api_for(lead).post(f"/api/events/{other}/comments/", {"text": "apex 47?"}, format="json").status_code == 201
    assert coder_api.get(f"/api/events/{other}/comments/").status_code == 404
    assert coder_api.post(f"/api/events/{other}/restore/", {"version": 1, "expected_version": 1},
                          format="json").status_code == 404
    assert coder_api.post("/api/events/review/", {"events": [other]}, format="json").status_code == 404

    # A gold event is visible to every member: none is made while the blind coding is open.
    lead_api, reviewer_api = api_for(lead), api_for(reviewer)
    assert lead_api.patch(f"/api/events/{other}/", {"version": 1, "status": "reviewed"},
                          format="json").status_code == 400
    assert lead_api.post("/api/events/review/", {"events": [other]}, format="json").status_code == 400
    assert reviewer_api.post(f"/api/clips/{clip.pk}/gold/", {"from_events": [other]}, format="json").status_code == 400
    assert lead_api.post(f"/api/clips/{clip.pk}/gold/", {"onset": 41, "offset": 53}, format="json").status_code == 400
    assert not CodingEvent.objects.filter(status="reviewed").exists()

    coding = coder_api.get(f"/api/clips/{clip.pk}/coding/")
    assert coding.status_code == 200
    for timing in ("41", "47", "53", "surprise"):
        assert timing not in json.dumps(coding.json()), "coding status names coders and states, never codes"

    client.force_login(coder)
    page = client.get(f"/clips/{clip.pk}/").content.decode()
    config = json.loads(page.split('id="workspace-config" type="application/json">')[1].split("</script>")[0])
    assert [event["id"] for event in config["events"]] == [mine["id"]]
    assert client.get(f"/projects/{project.pk}/audit/").status_code == 403
    assert client.get(f"/projects/{project.pk}/audit.csv").status_code == 403
    assert client.post(f"/projects/{project.pk}/exports/", {"format": "casme2_csv", "status": "all"}).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_a_coder_cannot_follow_the_other_coders_job_on_the_socket(blind, other_coder, coder, project):
    clip, _, _ = blind
    # A propose job carries the apex its coder marked and the onset and offset proposed from it.
    job = job_create(kind="propose", project=project, clip=clip, params={"apex": 47}, created_by=other_coder)
    cookie = session_cookie(coder)

    async def scenario():
        socket = communicator(job.pk, cookie)
        return await socket.connect(timeout=5)

    connected, code = async_to_sync(scenario)()
    assert not connected and code == 4404
