"""Blind double coding: before both coders submitted, a coder cannot learn the other's codes through the events
API, event history, agreement page, figures or CSV; afterwards both see each other's. Lead and reviewer see all."""

import pytest

from annotator.models import Assignment, CodingEvent
from annotator.services.assignments import assignment_create
from tests.annotator.studies.conftest import add


def ids(client, clip) -> set[int]:
    response = client.get(f"/api/clips/{clip.pk}/events/")
    assert response.status_code == 200
    return {event["id"] for event in response.json()}


@pytest.fixture
def blind_clip(project, lead, coder, other_coder, make_clip):
    clip = make_clip("blind", frames=100)
    assignment_create(project=project, clips=[clip], coders=[coder, other_coder], assigned_by=lead)
    return clip


@pytest.mark.django_db
def test_a_coder_sees_nothing_of_the_other_until_both_submitted(blind_clip, coder, other_coder, coder_api, api_for,
                                                                lead_api, reviewer, client, project):
    other_api = api_for(other_coder)
    mine = add(coder_api, blind_clip, 10, 15, 20, "happiness", (12,))
    theirs = add(other_api, blind_clip, 11, 16, 20, "happiness", (12,))
    assert other_api.patch(f"/api/events/{theirs['id']}/", {"version": 1, "notes": "v2"},
                           format="json").status_code == 200
    assert ids(lead_api, blind_clip) == ids(api_for(reviewer), blind_clip) == {mine["id"], theirs["id"]}
    client.force_login(coder)

    def hidden():
        assert ids(coder_api, blind_clip) == {mine["id"]}
        assert coder_api.get(f"/api/events/{theirs['id']}/").status_code == 404
        assert coder_api.get(f"/api/events/{theirs['id']}/history/").status_code == 404
        page = client.get(f"/projects/{project.pk}/agreement/").content.decode()
        assert "No clip coded by two coders" in page and "coder_b" not in page.split('id="pair-table"')[1]
        csv = client.get(f"/projects/{project.pk}/agreement.csv").content.decode()
        assert csv.count("\n") == 1, "the CSV holds the header only"
        assert client.get(f"/projects/{project.pk}/agreement/apex.png").status_code == 200

    hidden()
    assert coder_api.post(f"/api/clips/{blind_clip.pk}/submit/").status_code == 200
    hidden()  # one submitted is not both
    assert other_api.post(f"/api/clips/{blind_clip.pk}/submit/").status_code == 200

    assert ids(coder_api, blind_clip) == {mine["id"], theirs["id"]}
    assert coder_api.get(f"/api/events/{theirs['id']}/").status_code == 200
    history = coder_api.get(f"/api/events/{theirs['id']}/history/")
    assert history.status_code == 200 and len(history.json()) == 3
    page = client.get(f"/projects/{project.pk}/agreement/").content.decode()
    assert "<td>coder</td><td>coder_b</td>" in page
    assert client.get(f"/projects/{project.pk}/agreement.csv").content.decode().count("\n") == 2
    assert coder_api.patch(f"/api/events/{theirs['id']}/", {"version": 3, "notes": "x"},
                           format="json").status_code == 403, "seeing is not editing"


@pytest.mark.django_db
def test_a_coder_outside_the_blind_pair_sees_only_gold(blind_clip, coder, other_coder, member, api_for, lead_api):
    third = member("coder_c", "coder")
    theirs = add(api_for(other_coder), blind_clip, 11, 16, 20)
    for user in (coder, other_coder):
        assert api_for(user).post(f"/api/clips/{blind_clip.pk}/submit/").status_code == 200
    assert ids(api_for(third), blind_clip) == set()
    gold = lead_api.patch(f"/api/events/{theirs['id']}/", {"version": 2, "status": "reviewed"}, format="json")
    assert gold.status_code == 200
    assert ids(api_for(third), blind_clip) == {theirs["id"]}
    assert api_for(third).get(f"/api/events/{theirs['id']}/history/").status_code == 404, "drafts stay hidden"


@pytest.mark.django_db
def test_exports_hold_every_coders_codes_and_stay_with_lead_and_reviewer(blind_clip, coder_api, project):
    response = coder_api.post(f"/projects/{project.pk}/exports/", {"format": "csv", "status": "all"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_agreement_page_and_csv_match_hand_computed_figures(project, lead, coder, other_coder, make_clip, client,
                                                             coder_api, api_for):
    clip = make_clip("c7", frames=100)
    assignment_create(project=project, clips=[clip], coders=[coder, other_coder], assigned_by=lead)
    other_api = api_for(other_coder)
    for args in ((10, 15, 20, "happiness", (6, 12)), (40, 45, 50, "surprise", (1, 2, 5)), (60, 62, 64, "disgust", (9,))):
        add(coder_api, clip, *args)
    for args in ((11, 16, 20, "happiness", (12,)), (42, 44, 50, "fear", (1, 2)), (66, 67, 68, "anger", (4,))):
        add(other_api, clip, *args)
    add(other_api, clip, 80, 81, 82)
    for api in (coder_api, other_api):
        assert api.post(f"/api/clips/{clip.pk}/submit/").status_code == 200
    # A draft (here made behind the submit) is work in progress: agreement compares submitted codings only.
    CodingEvent.objects.filter(coder=other_coder, onset=80).update(status="draft")

    client.force_login(lead)
    page = client.get(f"/projects/{project.pk}/agreement/?coder_a=coder&coder_b=coder_b&subject=S01").content.decode()
    pair = page.split('id="pair-table"')[1].split("</table>")[0]
    # 2 of 3 + 3 events matched; AU ratio 2 x 3 / 8; kappa (1/2 - 1/4) / (3/4); mean |d| onset 1.5, apex 1, offset 0;
    # mean IoU (10/11 + 9/11) / 2.
    for figure in ("3 / 3", "<td>2</td>", "0.750", "0.333", "0.500", "1.50", "1.00", "0.00", "0.864"):
        assert figure in pair, figure
    aus = page.split('id="au-table"')[1].split("</table>")[0]
    assert "<td>AU6</td><td>0</td><td>1</td><td>0</td><td>0.000</td>" in aus
    assert "<td>AU12</td><td>1</td><td>0</td><td>0</td><td>1.000</td>" in aus
    assert "AU9" not in aus and "AU4" not in aus

    csv = client.get(f"/projects/{project.pk}/agreement.csv?subject=S01").content.decode().splitlines()
    header = csv[0].split(",")
    rows = [dict(zip(header, line.split(","))) for line in csv[1:]]
    assert len(rows) == 4 and {row["coder_a"] for row in rows} == {f"C{coder.pk}"}, "pseudonymous coders"
    matched = [row for row in rows if row["matched"] == "1"]
    assert sorted((row["onset_diff"], row["apex_diff"], row["aus_agreed"], row["aus_total"]) for row in matched) == [
        ("1", "1", "1", "3"), ("2", "1", "2", "5")]
    assert client.get(f"/projects/{project.pk}/agreement.csv?subject=S02").content.decode().count("\n") == 1
    for name in ("apex", "aus"):
        image = client.get(f"/projects/{project.pk}/agreement/{name}.png?subject=S01")
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    assert client.get(f"/projects/{project.pk}/agreement/apex.svg").content.lstrip().startswith(b"<?xml")
    assert client.get(f"/projects/{project.pk}/agreement/other.png").status_code == 404
