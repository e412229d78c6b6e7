"""Assignments, queues (priority and model uncertainty), next clip and submitting, through the pages and API."""

import pytest

from annotator.models import Assignment, CodingEvent, EventRevision
from annotator.services.assignments import clip_uncertainty_set
from tests.annotator.studies.conftest import add


def assign(client, project, **data):
    return client.post(f"/projects/{project.pk}/assignments/", {"priority": 0, "status": "any", **data})


@pytest.mark.django_db
def test_the_lead_assigns_a_filtered_set_to_two_coders_blind(lead, coder, other_coder, viewer, project, make_clip,
                                                              api_for, client):
    s1 = [make_clip("a", "S01"), make_clip("b", "S01")]
    make_clip("c", "S02")
    client.force_login(lead)
    refused = assign(client, project, coder_1="coder", coder_2="coder")
    assert refused.status_code == 400 and "two different coders" in refused.content.decode()
    unfiltered = assign(client, project, coder_1="coder")
    assert unfiltered.status_code == 400 and "narrow the set" in unfiltered.content.decode()
    not_a_coder = assign(client, project, subject="S01", coder_1="viewer")
    assert not_a_coder.status_code == 400, "the viewer is not among the coder choices"
    sighted = assign(client, project, subject="S01", coder_1="lead", coder_2="coder")
    assert sighted.status_code == 400 and "sees every coder" in sighted.content.decode()
    empty = assign(client, project, subject="S09", coder_1="coder")
    assert empty.status_code == 400 and "No clip matches" in empty.content.decode()

    made = assign(client, project, subject="S01", coder_1="coder", coder_2="coder_b", priority=5, due="2027-01-31")
    assert made.status_code == 200 and "4 new assignment(s)" in made.content.decode()
    rows = Assignment.objects.filter(clip__in=s1)
    assert rows.count() == 4 and all(a.blind and a.priority == 5 and str(a.due) == "2027-01-31" for a in rows)
    assert not Assignment.objects.filter(clip__subject__code="S02").exists()

    client.force_login(coder)
    assert assign(client, project, subject="S02", coder_1="coder").status_code == 403
    listing = client.get(f"/projects/{project.pk}/assignments/").content.decode()
    assert listing.count("<tr><td>S01") == 2, "a coder lists their own assignments"
    status = api_for(coder).get(f"/api/clips/{s1[0].pk}/coding/").json()
    assert [(row["coder"], row["status"], row["blind"]) for row in status] == [
        ("coder", "not_started", True), ("coder_b", "not_started", True)]


@pytest.mark.django_db
def test_coding_moves_the_assignment_and_submit_freezes_the_coders_codes(coder, project, make_clip, lead,
                                                                          coder_api, lead_api):
    clip = make_clip("a")
    Assignment.objects.create(clip=clip, coder=coder)
    event = add(coder_api, clip, 10, 12, 20)
    assert Assignment.objects.get(clip=clip).status == "in_progress"

    submitted = coder_api.post(f"/api/clips/{clip.pk}/submit/")
    assert submitted.status_code == 200 and submitted.json()["submitted_events"] == 1
    assert submitted.json()["assignments"][0]["status"] == "submitted"
    saved = CodingEvent.objects.get(pk=event["id"])
    assert (saved.status, saved.version) == ("submitted", 2)
    assert EventRevision.objects.filter(event_id_value=saved.pk, version=2, snapshot__status="submitted").exists()
    again = coder_api.post(f"/api/clips/{clip.pk}/submit/")
    assert again.status_code == 400 and "already submitted" in str(again.json())
    frozen = coder_api.patch(f"/api/events/{saved.pk}/", {"version": 2, "offset": 25}, format="json")
    assert frozen.status_code == 403
    assert coder_api.post(f"/api/clips/{clip.pk}/events/", {"onset": 1, "offset": 3}, format="json").status_code == 403
    assert lead_api.patch(f"/api/events/{saved.pk}/", {"version": 2, "offset": 25}, format="json").status_code == 200


@pytest.mark.django_db
def test_queue_by_priority_then_by_model_uncertainty(coder, project, make_clip, client, coder_api):
    low, high, middle = make_clip("low"), make_clip("high"), make_clip("middle")
    for clip, priority in ((low, 0), (high, 9), (middle, 4)):
        Assignment.objects.create(clip=clip, coder=coder, priority=priority)
    client.force_login(coder)
    page = client.get("/queue/").content.decode()
    assert page.index(">high<") < page.index(">middle<") < page.index(">low<")
    assert "Ordered by priority" in page
    nxt = client.get(f"/clips/next/?project={project.pk}")
    assert nxt.status_code == 302 and nxt["Location"] == f"/clips/{high.pk}/"
    assert coder_api.get(f"/api/projects/{project.pk}/next-clip/").json()["clip"] == high.pk

    # The active model is sure of "high" (top class 0.95) and unsure of "low" (0.55): priority no longer rules.
    clip_uncertainty_set(clip=high, source="m1", top_probability=0.95, top_label="fear")
    clip_uncertainty_set(clip=low, source="m1", top_probability=0.55, top_label="fear")
    clip_uncertainty_set(clip=middle, source="m1", top_probability=0.90, top_label="fear")
    page = client.get("/queue/").content.decode()
    assert page.index(">low<") < page.index(">middle<") < page.index(">high<"), ".45, .10, .05"
    assert "least sure" in page
    assert client.get(f"/clips/next/?project={project.pk}")["Location"] == f"/clips/{low.pk}/"
    # A second model names another label for "middle": disagreement 1 - 1/2 = .5 beats "low"'s .45.
    clip_uncertainty_set(clip=middle, source="m2", top_probability=0.90, top_label="happiness")
    page = client.get("/queue/").content.decode()
    assert page.index(">middle<") < page.index(">low<") < page.index(">high<")
    assert client.get(f"/clips/next/?project={project.pk}")["Location"] == f"/clips/{middle.pk}/"

    # Submitted clips leave the queue; an empty queue sends the coder back to the queue page.
    for assignment in Assignment.objects.filter(coder=coder):
        assert coder_api.post(f"/api/clips/{assignment.clip_id}/submit/").status_code == 200
    assert client.get(f"/clips/next/?project={project.pk}")["Location"] == "/queue/"
    assert coder_api.get(f"/api/projects/{project.pk}/next-clip/").json() == {"clip": None, "workspace": None}


@pytest.mark.django_db
def test_the_clip_page_shows_each_coders_status_and_the_lead_withdraws_open_assignments(
        lead, coder, other_coder, project, make_clip, client, api_for):
    clip = make_clip("a")
    client.force_login(lead)
    assert assign(client, project, clips=str(clip.pk), coder_1="coder", coder_2="coder_b").status_code == 200
    add(api_for(coder), clip, 1, 2, 3)
    assert api_for(other_coder).post(f"/api/clips/{clip.pk}/submit/").status_code == 200

    client.force_login(coder)
    page = client.get(f"/clips/{clip.pk}/coding/").content.decode()
    table = page.split('id="coding-status"')[1]
    assert table.index("in progress") < table.index("submitted") and 'id="submit-form"' in page
    assert "<td>1</td>" not in table and "coder_b" in table, "names and states, never codes"
    mine = Assignment.objects.get(clip=clip, coder=coder)
    assert client.post(f"/assignments/{mine.pk}/remove/").status_code == 403

    client.force_login(lead)
    submitted = Assignment.objects.get(clip=clip, coder=other_coder)
    assert client.post(f"/assignments/{submitted.pk}/remove/").status_code == 302
    assert Assignment.objects.filter(pk=submitted.pk).exists(), "a submitted coding stays on record"
    assert client.post(f"/assignments/{mine.pk}/remove/").status_code == 302
    assert not Assignment.objects.filter(pk=mine.pk).exists()
    assert CodingEvent.objects.filter(clip=clip, coder=coder).count() == 1, "the codes stay"
