"""Coding events through the API: versions, conflicts, validation, history and who may see or change what."""

import pytest

from annotator.models import CodingEvent, EventRevision
from annotator.services.clips import clip_import_path

GOOD = {"onset": 10, "apex": 14, "offset": 20, "kind": "micro", "emotion": "happiness",
        "aus": [{"number": 12, "side": "R", "intensity": "C"}, {"number": 6, "side": "both"}], "notes": "first pass"}


def events_url(clip) -> str:
    return f"/api/clips/{clip.pk}/events/"


def create(client, clip, **overrides):
    return client.post(events_url(clip), {**GOOD, **overrides}, format="json")


def patch(client, event_id, **data):
    return client.patch(f"/api/events/{event_id}/", data, format="json")


def delete(client, event_id, version):
    return client.delete(f"/api/events/{event_id}/", {"version": version}, format="json")


def state(event_id) -> tuple:
    event = CodingEvent.objects.get(pk=event_id)
    return (event.version, event.onset, event.apex, event.offset, event.kind, event.emotion, event.aus, event.notes,
            event.status, event.coder_id, event.clip_id)


@pytest.fixture
def event(ready_clip, coder_api):
    response = create(coder_api, ready_clip)
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.django_db
def test_create_returns_the_event_at_version_1(ready_clip, coder_api, coder):
    response = create(coder_api, ready_clip)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["version"] == 1
    assert body["coder"] == coder.username
    assert body["clip"] == ready_clip.pk
    assert (body["onset"], body["apex"], body["offset"]) == (10, 14, 20)
    # AUs come back normalised: sorted by number, missing intensity as null.
    assert body["aus"] == [
        {"number": 6, "side": "both", "intensity": None}, {"number": 12, "side": "R", "intensity": "C"},
    ]
    assert coder_api.get(f"/api/events/{body['id']}/").json() == body
    assert [e["id"] for e in coder_api.get(events_url(ready_clip)).json()] == [body["id"]]


@pytest.mark.django_db
def test_the_first_and_last_frame_are_valid(ready_clip, coder_api):
    response = create(coder_api, ready_clip, onset=0, apex=None, offset=ready_clip.frame_count - 1)
    assert response.status_code == 201, response.content
    single = create(coder_api, ready_clip, onset=5, apex=5, offset=5)
    assert single.status_code == 201, single.content


@pytest.mark.django_db
def test_patch_with_the_current_version_bumps_it(event, coder_api):
    response = patch(coder_api, event["id"], version=1, offset=25, emotion="surprise")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["version"], body["offset"], body["emotion"]) == (2, 25, "surprise")
    assert (body["onset"], body["apex"]) == (10, 14)  # untouched fields stay
    assert state(event["id"])[0] == 2


@pytest.mark.django_db
def test_a_stale_version_answers_409_with_the_server_state_and_overwrites_nothing(event, coder_api, api_for, coder):
    other_tab = api_for(coder)
    assert patch(coder_api, event["id"], version=1, notes="saved in tab A").status_code == 200
    before = state(event["id"])

    response = patch(other_tab, event["id"], version=1, notes="saved in tab B", offset=30)
    assert response.status_code == 409
    body = response.json()
    assert "nothing was overwritten" in body["detail"]
    assert body["current"]["version"] == 2
    assert body["current"]["notes"] == "saved in tab A"
    assert body["current"]["offset"] == 20
    assert state(event["id"]) == before
    assert EventRevision.objects.filter(event_id_value=event["id"]).count() == 2

    stale_delete = delete(other_tab, event["id"], 1)
    assert stale_delete.status_code == 409
    assert stale_delete.json()["current"]["version"] == 2
    assert state(event["id"]) == before


@pytest.mark.django_db
def test_patch_without_a_version_is_refused(event, coder_api):
    response = patch(coder_api, event["id"], offset=22)
    assert response.status_code == 400
    assert "version" in response.json()
    assert state(event["id"])[3] == 20


@pytest.mark.django_db
def test_patch_cannot_move_an_event_to_another_clip_or_coder(event, coder_api, import_clip, sample_dir, lead, coder):
    other_clip = import_clip(sample_dir / "single_face.mp4")
    response = patch(coder_api, event["id"], version=1, clip=other_clip.pk, coder=lead.pk, notes="moved?")
    assert response.status_code == 200
    saved = CodingEvent.objects.get(pk=event["id"])
    assert (saved.clip_id, saved.coder_id, saved.notes) == (event["clip"], coder.pk, "moved?")


@pytest.mark.django_db
def test_delete_with_the_current_version(event, coder_api):
    response = delete(coder_api, event["id"], 1)
    assert response.status_code == 204
    assert not CodingEvent.objects.filter(pk=event["id"]).exists()
    assert coder_api.get(f"/api/events/{event['id']}/").status_code == 404


@pytest.mark.django_db
def test_delete_takes_the_version_as_a_query_parameter_too(event, coder_api):
    assert coder_api.delete(f"/api/events/{event['id']}/?version=1").status_code == 204
    assert not CodingEvent.objects.filter(pk=event["id"]).exists()


@pytest.mark.django_db
def test_delete_without_a_version_is_refused(event, coder_api):
    response = coder_api.delete(f"/api/events/{event['id']}/")
    assert response.status_code == 400
    assert "version" in response.json()
    assert CodingEvent.objects.filter(pk=event["id"]).exists()


@pytest.mark.django_db
def test_every_change_is_in_the_history(event, coder_api, lead_api, coder, lead):
    assert patch(coder_api, event["id"], version=1, offset=22).status_code == 200
    assert patch(lead_api, event["id"], version=2, status="submitted").status_code == 200

    history = coder_api.get(f"/api/events/{event['id']}/history/")
    assert history.status_code == 200
    rows = history.json()
    assert [(r["action"], r["version"], r["changed_by"]) for r in rows] == [
        ("create", 1, coder.username), ("update", 2, coder.username), ("update", 3, lead.username),
    ]
    assert rows[0]["snapshot"]["offset"] == 20
    assert rows[1]["snapshot"]["offset"] == 22
    assert rows[2]["snapshot"]["status"] == "submitted"

    assert delete(coder_api, event["id"], 3).status_code == 204
    after = coder_api.get(f"/api/events/{event['id']}/history/")
    assert after.status_code == 200, "a deleted event's history must stay readable"
    assert [(r["action"], r["version"]) for r in after.json()] == [
        ("create", 1), ("update", 2), ("update", 3), ("delete", 4),
    ]
    assert after.json()[-1]["snapshot"]["offset"] == 22


@pytest.mark.django_db
def test_a_refused_write_leaves_no_history(event, coder_api):
    assert patch(coder_api, event["id"], version=1, onset=50).status_code == 400
    assert patch(coder_api, event["id"], version=7, onset=11).status_code == 409
    assert [r["action"] for r in coder_api.get(f"/api/events/{event['id']}/history/").json()] == ["create"]


@pytest.mark.django_db
def test_overlong_notes_are_refused_with_400_and_nothing_changes(event, coder_api, project, lead_api):
    before = state(event["id"])
    response = patch(coder_api, event["id"], version=1, notes="n" * 5001)
    assert response.status_code == 400, response.content
    assert "at most 5000" in str(response.json()["notes"])
    assert state(event["id"]) == before
    assert patch(coder_api, event["id"], version=1, notes="n" * 5000).status_code == 200
    subject = lead_api.post(f"/api/projects/{project.pk}/subjects/", {"code": "S99", "notes": "n" * 5001}, format="json")
    assert subject.status_code == 400, subject.content
    assert "notes" in subject.json()


INVALID = [
    pytest.param({"onset": 30, "apex": None, "offset": 20}, "offset", "comes before onset", id="onset-after-offset"),
    pytest.param({"apex": 25}, "apex", "must lie between", id="apex-after-offset"),
    pytest.param({"apex": 5}, "apex", "must lie between", id="apex-before-onset"),
    pytest.param({"offset": 72}, "offset", "outside the clip", id="offset-at-frame-count"),
    pytest.param({"onset": 500, "offset": 600, "apex": None}, "onset", "outside the clip", id="far-outside"),
    pytest.param({"onset": -1}, "onset", "", id="negative"),
    pytest.param({"onset": 1.5}, "onset", "", id="fractional"),
    pytest.param({"emotion": "schadenfreude"}, "emotion", "not one of this project's emotion labels",
                 id="unknown-emotion"),
    pytest.param({"aus": [{"number": 3, "side": "both"}]}, "aus", "not in this project's AU set", id="au-not-in-set"),
    pytest.param({"aus": [{"number": 12, "side": "X"}]}, "aus", "", id="bad-side"),
    pytest.param({"aus": [{"number": 12, "side": "L", "intensity": "F"}]}, "aus", "", id="bad-intensity"),
    pytest.param({"aus": [{"number": 12, "side": "L"}, {"number": 12, "side": "L", "intensity": "A"}]}, "aus",
                 "listed twice", id="duplicate-au-side"),
    pytest.param({"aus": "AU12"}, "aus", "", id="aus-not-a-list"),
    pytest.param({"kind": "nano"}, "kind", "", id="bad-kind"),
    pytest.param({"status": "final"}, "status", "", id="bad-status"),
    pytest.param({"notes": "n" * 5001}, "notes", "at most 5000", id="notes-too-long"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("fields", "field", "message"), INVALID)
def test_invalid_events_answer_400_with_the_field(fields, field, message, ready_clip, coder_api):
    response = create(coder_api, ready_clip, **fields)
    assert response.status_code == 400, response.content
    errors = response.json()
    assert field in errors, errors
    assert message in str(errors[field])
    assert not CodingEvent.objects.exists()
    assert not EventRevision.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("fields", "field", "message"), INVALID)
def test_invalid_patches_answer_400_and_change_nothing(fields, field, message, event, coder_api):
    before = state(event["id"])
    response = patch(coder_api, event["id"], version=1, **fields)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert message in str(response.json()[field])
    assert state(event["id"]) == before


@pytest.mark.django_db
def test_the_same_au_on_both_sides_is_fine(ready_clip, coder_api):
    response = create(coder_api, ready_clip, aus=[{"number": 12, "side": "L"}, {"number": 12, "side": "R"}])
    assert response.status_code == 201, response.content


@pytest.mark.django_db
def test_the_project_vocabulary_decides(ready_clip, coder_api, lead_api):
    project = ready_clip.project
    project.emotion_labels = ["tension"]
    project.au_set = [45]
    project.save()
    assert create(coder_api, ready_clip, emotion="happiness", aus=[]).status_code == 400
    assert create(coder_api, ready_clip, emotion="tension", aus=[{"number": 12}]).status_code == 400
    assert create(coder_api, ready_clip, emotion="tension", aus=[{"number": 45}]).status_code == 201


@pytest.mark.django_db
def test_a_clip_that_is_not_ready_takes_no_events(project, subject, lead, coder_api, sample_dir):
    pending = clip_import_path(project=project, subject=subject, path=sample_dir / "single_face.mp4", created_by=lead)
    response = create(coder_api, pending)
    assert response.status_code == 400
    assert "clip" in response.json()
    assert not CodingEvent.objects.exists()


@pytest.mark.django_db
def test_coders_do_not_see_or_touch_each_others_events(event, ready_clip, other_coder, api_for):
    other = api_for(other_coder)
    before = state(event["id"])

    assert other.get(f"/api/events/{event['id']}/").status_code == 404
    assert other.get(f"/api/events/{event['id']}/history/").status_code == 404
    assert patch(other, event["id"], version=1, notes="mine now").status_code == 404
    assert delete(other, event["id"], 1).status_code == 404
    assert other.get(events_url(ready_clip)).json() == []
    assert state(event["id"]) == before

    own = create(other, ready_clip, onset=30, apex=None, offset=40)
    assert own.status_code == 201
    assert [e["id"] for e in other.get(events_url(ready_clip)).json()] == [own.json()["id"]]


@pytest.mark.django_db
def test_a_deleted_events_history_stays_private_to_its_coder(event, coder_api, other_coder, api_for):
    assert delete(coder_api, event["id"], 1).status_code == 204
    assert api_for(other_coder).get(f"/api/events/{event['id']}/history/").status_code == 404


@pytest.mark.django_db
def test_the_lead_sees_and_corrects_every_coders_events(event, ready_clip, other_coder, api_for, lead_api):
    theirs = create(api_for(other_coder), ready_clip, onset=30, apex=None, offset=40).json()
    listed = lead_api.get(events_url(ready_clip)).json()
    assert sorted(e["id"] for e in listed) == sorted([event["id"], theirs["id"]])
    assert lead_api.get(f"/api/events/{theirs['id']}/").status_code == 200

    response = patch(lead_api, theirs["id"], version=1, offset=41)
    assert response.status_code == 200
    assert response.json()["coder"] == "coder_b"  # still their event
    assert delete(lead_api, event["id"], 1).status_code == 204


@pytest.mark.django_db
def test_a_reviewer_reads_every_event_but_changes_none(event, ready_clip, reviewer, api_for):
    client = api_for(reviewer)
    before = state(event["id"])
    assert [e["id"] for e in client.get(events_url(ready_clip)).json()] == [event["id"]]
    assert client.get(f"/api/events/{event['id']}/history/").status_code == 200
    assert patch(client, event["id"], version=1, notes="reviewed").status_code == 403
    assert delete(client, event["id"], 1).status_code == 403
    assert create(client, ready_clip).status_code == 403
    assert state(event["id"]) == before


@pytest.mark.django_db
def test_a_viewer_cannot_code(event, ready_clip, viewer, api_for):
    client = api_for(viewer)
    response = create(client, ready_clip)
    assert response.status_code == 403
    assert "does not allow coding" in response.json()["detail"]
    assert CodingEvent.objects.count() == 1
    assert client.get(events_url(ready_clip)).json() == []  # a viewer sees only their own, and has none
    assert patch(client, event["id"], version=1, notes="x").status_code == 404
