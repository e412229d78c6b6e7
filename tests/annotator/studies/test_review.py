"""Review and adjudication: gold events from the coders' ones, the lead accepting codes, comment threads, and
restoring an older version of an event (a new version, with the same lock as an edit)."""

import pytest

from annotator.models import CodingEvent, EventRevision
from annotator.services.assignments import assignment_create
from tests.annotator.studies.conftest import add


@pytest.fixture
def coded_clip(project, lead, coder, other_coder, make_clip, api_for, coder_api):
    clip = make_clip("double", frames=100)
    assignment_create(project=project, clips=[clip], coders=[coder, other_coder], assigned_by=lead)
    a = add(coder_api, clip, 10, 15, 20, "happiness", (12,))
    b = add(api_for(other_coder), clip, 12, 16, 22, "happiness", (6, 12))
    return clip, a, b


def submit_both(clip, coder, other_coder, api_for):
    for user in (coder, other_coder):
        assert api_for(user).post(f"/api/clips/{clip.pk}/submit/").status_code == 200


@pytest.mark.django_db
def test_a_reviewer_makes_a_gold_event_from_a_coders_event_and_edits_it(coded_clip, coder, other_coder, reviewer,
                                                                         api_for, coder_api):
    clip, a, b = coded_clip
    reviewer_api = api_for(reviewer)
    early = reviewer_api.post(f"/api/clips/{clip.pk}/gold/", {"from_events": [b["id"]]}, format="json")
    assert early.status_code == 400 and "blind coding is still open" in str(early.json()), \
        "a gold event is visible to every coder: none before both submitted"
    submit_both(clip, coder, other_coder, api_for)

    made = reviewer_api.post(f"/api/clips/{clip.pk}/gold/", {"from_events": [b["id"], a["id"]], "apex": 15},
                             format="json")
    assert made.status_code == 201, made.content
    gold = made.json()
    assert (gold["onset"], gold["apex"], gold["offset"]) == (12, 15, 22), "b's fields, the apex overridden"
    assert gold["status"] == "reviewed" and gold["coder"] == "reviewer"
    assert sorted(gold["derived_from"]) == sorted([a["id"], b["id"]])
    event = CodingEvent.objects.get(pk=gold["id"])
    assert {e.pk for e in CodingEvent.objects.get(pk=a["id"]).gold_events.all()} == {event.pk}
    assert EventRevision.objects.get(event_id_value=event.pk).action == "create"

    edited = reviewer_api.patch(f"/api/events/{gold['id']}/", {"version": 1, "offset": 21}, format="json")
    assert edited.status_code == 200 and edited.json()["offset"] == 21
    demote = reviewer_api.patch(f"/api/events/{gold['id']}/", {"version": 2, "status": "draft"}, format="json")
    assert demote.status_code == 403, "a gold event stays reviewed"
    assert coder_api.post(f"/api/clips/{clip.pk}/gold/", {"from_events": [a["id"]]}, format="json").status_code == 403
    assert coder_api.patch(f"/api/events/{gold['id']}/", {"version": 2, "onset": 1}, format="json").status_code == 403
    unknown = reviewer_api.post(f"/api/clips/{clip.pk}/gold/", {"from_events": [999999]}, format="json")
    assert unknown.status_code == 400
    assert CodingEvent.objects.filter(status="reviewed").count() == 1


@pytest.mark.django_db
def test_the_lead_marks_a_single_coders_submitted_codes_reviewed_from_the_coding_page(
        project, lead, coder, make_clip, coder_api, client, api_for, reviewer):
    clip = make_clip("single", frames=50)
    assignment_create(project=project, clips=[clip], coders=[coder], assigned_by=lead)
    event = add(coder_api, clip, 3, 4, 5)
    client.force_login(lead)
    page = client.get(f"/clips/{clip.pk}/coding/").content.decode()
    assert "Mark reviewed" not in page, "nothing submitted yet"
    assert coder_api.post(f"/api/clips/{clip.pk}/submit/").status_code == 200
    page = client.get(f"/clips/{clip.pk}/coding/").content.decode()
    assert 'class="mark-reviewed"' in page and "<script" not in page.split("<main")[-1]
    client.force_login(coder)
    assert client.post(f"/clips/{clip.pk}/review/", {"coder": "coder"}).status_code == 403
    assert CodingEvent.objects.get(pk=event["id"]).status == "submitted"
    client.force_login(lead)
    response = client.post(f"/clips/{clip.pk}/review/", {"coder": "coder"})
    assert response.status_code == 302
    stored = CodingEvent.objects.get(pk=event["id"])
    assert (stored.status, stored.version) == ("reviewed", 3)
    assert list(EventRevision.objects.filter(event_id_value=stored.pk).values_list("action", "changed_by__username")
                )[-1] == ("update", "lead")
    assert api_for(reviewer).post("/api/events/review/", {"events": [event["id"]]}, format="json").status_code == 403
    assert api_for(lead).post("/api/events/review/", {"events": [event["id"]]}, format="json").json() == []


@pytest.mark.django_db
def test_comment_threads_follow_the_events_visibility(coded_clip, coder, other_coder, reviewer, viewer, api_for,
                                                      coder_api):
    clip, a, b = coded_clip
    url = f"/api/events/{a['id']}/comments/"
    assert coder_api.post(url, {"text": "onset unsure"}, format="json").status_code == 201
    assert api_for(reviewer).post(url, {"text": "look at frame 11"}, format="json").status_code == 201
    other = api_for(other_coder)
    assert other.get(url).status_code == 404, "blind: the other coder cannot read a thread on a hidden event"
    assert other.post(url, {"text": "x"}, format="json").status_code == 404
    thread = coder_api.get(url).json()
    assert [(c["author"], c["text"]) for c in thread] == [("coder", "onset unsure"), ("reviewer", "look at frame 11")]
    assert coder_api.post(url, {"text": "x" * 20001}, format="json").status_code == 400
    assert coder_api.post(url, {"text": "  "}, format="json").status_code == 400
    assert api_for(viewer).get(url).status_code == 404, "a viewer sees only gold events"
    submit_both(clip, coder, other_coder, api_for)
    assert len(other.get(url).json()) == 2


@pytest.mark.django_db
def test_restore_brings_back_an_old_version_as_a_new_one(project, lead, coder, make_clip, coder_api, api_for,
                                                         other_coder):
    clip = make_clip("restore", frames=100)
    event = add(coder_api, clip, 10, 15, 20, "happiness", (12,))
    url = f"/api/events/{event['id']}/"
    assert coder_api.patch(url, {"version": 1, "onset": 12, "notes": "tighter"}, format="json").status_code == 200
    assert coder_api.patch(url, {"version": 2, "offset": 30}, format="json").status_code == 200

    stale = coder_api.post(f"{url}restore/", {"version": 1, "expected_version": 2}, format="json")
    assert stale.status_code == 409 and stale.json()["current"]["version"] == 3
    assert api_for(other_coder).post(f"{url}restore/", {"version": 1, "expected_version": 3},
                                     format="json").status_code == 404
    future = coder_api.post(f"{url}restore/", {"version": 3, "expected_version": 3}, format="json")
    assert future.status_code == 400
    restored = coder_api.post(f"{url}restore/", {"version": 1, "expected_version": 3}, format="json")
    assert restored.status_code == 200, restored.content
    body = restored.json()
    assert (body["onset"], body["offset"], body["notes"], body["version"]) == (10, 20, "", 4)
    history = coder_api.get(f"{url}history/").json()
    assert [(r["action"], r["version"]) for r in history] == [("create", 1), ("update", 2), ("update", 3),
                                                               ("restore", 4)]
    assert history[-1]["snapshot"]["onset"] == 10
