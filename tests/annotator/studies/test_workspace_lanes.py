"""The workspace's read-only lanes of the other coders' events: a reviewer gets one per coder, a coder coding
blind gets none (not a timing of the other coder in the page), and after both submitted the coder gets theirs."""

import json

import pytest

from annotator.services.assignments import assignment_create
from tests.annotator.studies.conftest import add


def page_config(client, user, clip) -> dict:
    client.force_login(user)
    page = client.get(f"/clips/{clip.pk}/").content.decode()
    return json.loads(page.split('id="workspace-config" type="application/json">')[1].split("</script>")[0])


@pytest.fixture
def blind(project, lead, coder, other_coder, make_clip, coder_api, api_for):
    clip = make_clip("lanes", frames=100)
    assignment_create(project=project, clips=[clip], coders=[coder, other_coder], assigned_by=lead)
    mine = add(coder_api, clip, 10, 15, 20, "happiness", (12,))
    theirs = add(api_for(other_coder), clip, 41, 47, 53, "surprise", (1, 2))
    return clip, mine, theirs


@pytest.mark.django_db
def test_a_blind_coder_gets_no_lane_of_the_other_coder(blind, coder, client):
    clip, mine, theirs = blind
    config = page_config(client, coder, clip)
    assert [event["id"] for event in config["events"]] == [mine["id"]]
    assert config["otherEvents"] == [{"name": "gold", "gold": True, "events": []}]
    assert not config["canAdjudicate"]
    raw = json.dumps(config["otherEvents"])
    assert str(theirs["id"]) not in raw and "surprise" not in raw


@pytest.mark.django_db
def test_a_reviewer_gets_a_lane_per_coder_and_the_gold_lane(blind, reviewer, coder, other_coder, client, api_for):
    clip, mine, theirs = blind
    config = page_config(client, reviewer, clip)
    lanes = {lane["name"]: [event["id"] for event in lane["events"]] for lane in config["otherEvents"]}
    assert lanes == {coder.username: [mine["id"]], other_coder.username: [theirs["id"]], "gold": []}
    assert config["canAdjudicate"] and config["events"] == []
    assert config["urls"]["gold"] == f"/api/clips/{clip.pk}/gold/"
    assert config["urls"]["nextClip"].endswith(f"?project={clip.project_id}")


@pytest.mark.django_db
def test_after_both_submitted_the_coder_sees_the_other_coders_lane(blind, coder, other_coder, client, coder_api,
                                                                   api_for):
    clip, mine, theirs = blind
    assert coder_api.post(f"/api/clips/{clip.pk}/submit/").status_code == 200
    assert api_for(other_coder).post(f"/api/clips/{clip.pk}/submit/").status_code == 200
    config = page_config(client, coder, clip)
    lanes = {lane["name"]: [event["id"] for event in lane["events"]] for lane in config["otherEvents"]}
    assert lanes == {other_coder.username: [theirs["id"]], "gold": []}
