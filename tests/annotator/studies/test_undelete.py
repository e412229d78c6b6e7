"""A deleted event comes back under its own id (its coder or the lead), with its fields, as a new version;
blind coding still hides it from the other coder, and a submitted coder's codes stay frozen."""

import pytest

from annotator.models import CodingEvent, EventRevision
from annotator.services.assignments import assignment_create
from tests.annotator.studies.conftest import add


def delete(api, event):
    assert api.delete(f"/api/events/{event['id']}/?version={event['version']}").status_code == 204


@pytest.mark.django_db
def test_a_coder_restores_their_deleted_event_with_its_id_fields_and_history(make_clip, coder_api, project):
    clip = make_clip("c1")
    event = add(coder_api, clip, 10, 14, 20, "happiness", (12,))
    delete(coder_api, event)
    restored = coder_api.post(f"/api/events/{event['id']}/undelete/")
    assert restored.status_code == 201, restored.content
    body = restored.json()
    assert (body["id"], body["onset"], body["apex"], body["offset"], body["emotion"], body["version"]) == (
        event["id"], 10, 14, 20, "happiness", 3)
    assert [a["number"] for a in body["aus"]] == [12]
    actions = list(EventRevision.objects.filter(event_id_value=event["id"]).values_list("action", "version"))
    assert actions == [("create", 1), ("delete", 2), ("restore", 3)]
    again = coder_api.post(f"/api/events/{event['id']}/undelete/")
    assert again.status_code == 404, "a live event is not a deleted one"
    assert coder_api.patch(f"/api/events/{event['id']}/", {"version": 3, "notes": "back"},
                           format="json").status_code == 200, "the restored event is edited like any other"


@pytest.mark.django_db
def test_who_may_restore_and_what_the_clip_page_lists(make_clip, coder_api, api_for, other_coder, lead, lead_api,
                                                      reviewer, client):
    clip = make_clip("c1")
    event = add(coder_api, clip, 10, 14, 20)
    delete(coder_api, event)
    url = f"/api/events/{event['id']}/undelete/"
    assert api_for(other_coder).post(url).status_code == 404, "another coder's code stays out of sight"
    assert api_for(reviewer).post(url).status_code == 403, "the reviewer sees it but edits only gold codes"
    client.force_login(other_coder)
    assert f"#{event['id']}" not in client.get(f"/clips/{clip.pk}/coding/").content.decode()
    client.force_login(lead)
    page = client.get(f"/clips/{clip.pk}/coding/").content.decode()
    assert 'id="deleted-events"' in page and f"#{event['id']}" in page and "coder" in page
    back = client.post(f"/clips/{clip.pk}/deleted/{event['id']}/restore/", follow=True)
    assert f"Event #{event['id']} (10–20) is back." in back.content.decode()
    assert CodingEvent.objects.get(pk=event["id"]).coder.username == "coder", "restored as the coder's, not the lead's"
    assert 'id="deleted-events"' not in back.content.decode()


@pytest.mark.django_db
def test_blindness_and_submission_still_hold(project, make_clip, lead, coder, other_coder, coder_api, api_for):
    clip = make_clip("blind")
    assignment_create(project=project, clips=[clip], coders=[coder, other_coder], assigned_by=lead)
    event = add(coder_api, clip, 10, 14, 20)
    delete(coder_api, event)
    assert api_for(other_coder).post(f"/api/events/{event['id']}/undelete/").status_code == 404
    assert coder_api.post(f"/api/clips/{clip.pk}/submit/").status_code == 200
    frozen = coder_api.post(f"/api/events/{event['id']}/undelete/")
    assert frozen.status_code == 403 and "submitted" in frozen.json()["detail"]
    assert not CodingEvent.objects.filter(pk=event["id"]).exists()
