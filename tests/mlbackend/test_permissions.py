"""Who may see and do what in the ML routes: suggestions, reports, proposals, job lists and retries."""

import json

import pytest

from annotator.models import CodingEvent, Job
from mlbackend import tasks
from mlbackend.contract import EMOTION
from mlbackend.models import EvaluationReport, Prediction
from plugins.dummy import DummyPlugin
from tests.mlbackend.test_ml_api import start


@pytest.fixture
def recogniser():
    """The dummy plugin as a pure recogniser: it labels the timings it is given (coders' codes, spotters' finds)."""
    from mlbackend.registry import register, unregister

    class Recogniser(DummyPlugin):
        name = "dummy_recogniser"
        capabilities = frozenset({EMOTION})

    register(Recogniser)
    yield Recogniser.name
    unregister(Recogniser.name)


def timings(client, clip) -> set[tuple]:
    return {(p["onset"], p["apex"], p["offset"]) for p in client.get(f"/api/clips/{clip.pk}/predictions/").json()}


@pytest.mark.django_db
def test_suggestions_show_only_timings_the_member_may_see_and_never_drafts(
        recogniser, lead_api, coder, coder_api, api_for, other_coder, reviewer, viewer, coded_project):
    clip = coded_project.clips.order_by("id").first()
    lead_code = (2, 5, 9)  # coded_project: the lead's submitted code on every clip
    mine = CodingEvent.objects.create(clip=clip, coder=coder, onset=1, apex=2, offset=3, status="submitted")
    CodingEvent.objects.create(clip=clip, coder=other_coder, onset=4, apex=6, offset=8, status="submitted")
    CodingEvent.objects.create(clip=clip, coder=other_coder, onset=6, apex=7, offset=10, status="draft")
    gold = CodingEvent.objects.create(clip=clip, coder=other_coder, onset=3, apex=4, offset=11, status="reviewed")
    tasks.train(start(lead_api, coded_project, kind="train", plugin=recogniser, evaluate=False).pk)
    tasks.preannotate(start(lead_api, coded_project, kind="preannotate", plugin=recogniser).pk)

    everything = {lead_code, (1, 2, 3), (4, 6, 8), (3, 4, 11)}
    assert timings(lead_api, clip) == timings(api_for(reviewer), clip) == everything, "no draft was used"
    assert timings(coder_api, clip) == {(1, 2, 3), (3, 4, 11)}, "own and reviewed timings only"
    assert timings(api_for(other_coder), clip) == {(4, 6, 8), (3, 4, 11)}
    assert timings(api_for(viewer), clip) == {(3, 4, 11)}
    assert Prediction.objects.get(clip=clip, onset=1).source_event == mine
    assert Prediction.objects.get(clip=clip, onset=3).source_event == gold

    hidden = Prediction.objects.get(clip=clip, onset=4)
    refused = coder_api.post(f"/api/predictions/{hidden.pk}/accept/", {}, format="json")
    missing = coder_api.post("/api/predictions/999999/accept/", {}, format="json")
    assert (refused.status_code, refused.json()) == (missing.status_code, missing.json()) == (
        404, {"detail": "No such prediction."})
    assert not CodingEvent.objects.filter(coder=coder, onset=4).exists()


@pytest.mark.django_db
def test_accepting_into_an_event_needs_its_version_and_hides_whose_events_exist(
        lead_api, coder_api, api_for, other_coder, coded_project):
    tasks.train(start(lead_api, coded_project, kind="train", plugin="dummy", evaluate=False).pk)
    tasks.preannotate(start(lead_api, coded_project, kind="preannotate", plugin="dummy").pk)
    prediction = Prediction.objects.first()
    url = f"/api/predictions/{prediction.pk}/accept/"
    events = f"/api/clips/{prediction.clip_id}/events/"
    own = coder_api.post(events, {"onset": 1, "offset": 10}, format="json").json()

    unversioned = coder_api.post(url, {"event": own["id"]}, format="json")
    assert unversioned.status_code == 400 and "version" in unversioned.json()
    assert CodingEvent.objects.get(pk=own["id"]).version == own["version"], "nothing was written"
    assert coder_api.post(url, {"event": own["id"], "version": own["version"] + 1}, format="json").status_code == 409

    theirs = api_for(other_coder).post(events, {"onset": 2, "offset": 8}, format="json").json()
    forbidden = coder_api.post(url, {"event": theirs["id"], "version": 1}, format="json")
    missing = coder_api.post(url, {"event": 999999, "version": 1}, format="json")
    assert (forbidden.status_code, forbidden.json()) == (missing.status_code, missing.json()) == (
        404, {"detail": "No such event."})


@pytest.mark.django_db
def test_per_sample_report_rows_are_for_the_lead_and_the_reviewer(lead_api, coder_api, api_for, viewer, reviewer,
                                                                  coded_project):
    tasks.evaluate(start(lead_api, coded_project, kind="evaluate", plugin="dummy").pk)
    report = EvaluationReport.objects.get()
    assert report.samples and report.spotting.get("videos"), "the report has rows to hide"
    base = f"/ml/reports/{report.pk}/"

    for client in (lead_api, api_for(reviewer)):
        assert client.get(base + "download.csv").status_code == 200
        assert json.loads(client.get(base + "download.json").content)["samples"] == report.samples
        assert b"download.csv" in client.get(base).content
    for client in (coder_api, api_for(viewer)):
        assert client.get(base + "download.csv").status_code == 403
        body = json.loads(client.get(base + "download.json").content)
        assert "samples" not in body and "videos" not in body["spotting"]
        assert body["overall"] == report.overall and body["per_subject"] == report.per_subject
        assert "videos" not in client.get(f"/api/ml/reports/{report.pk}/").json()["spotting"]
        page = client.get(base)
        assert page.status_code == 200 and b"download.csv" not in page.content


@pytest.mark.django_db
def test_job_lists_and_proposals_follow_who_may_read_a_job(lead_api, coder, coder_api, api_for, viewer, reviewer,
                                                           other_coder, coded_project):
    training = start(lead_api, coded_project, kind="train", plugin="dummy")
    clip = coded_project.clips.first()
    proposal = coder_api.post(f"/api/clips/{clip.pk}/propose-interval/", {"apex": 5}, format="json").json()["job"]
    listed = lambda client: {j["id"] for j in client.get(f"/api/projects/{coded_project.pk}/ml/jobs/").json()}  # noqa: E731

    assert listed(lead_api) == listed(api_for(reviewer)) == {training.pk, proposal}
    assert listed(coder_api) == {proposal}
    assert listed(api_for(viewer)) == listed(api_for(other_coder)) == set()
    page = api_for(viewer).get(f"/projects/{coded_project.pk}/ml/")
    assert list(page.context["jobs"]) == []
    for client in (api_for(viewer), api_for(other_coder)):
        assert client.get(f"/api/clips/{clip.pk}/propose-interval/{proposal}/").status_code == 404
        assert client.get(f"/api/jobs/{training.pk}/").status_code == 404
    assert api_for(reviewer).get(f"/api/clips/{clip.pk}/propose-interval/{proposal}/").status_code == 200


@pytest.mark.django_db
def test_only_who_may_start_a_kind_retries_it_and_only_once(lead_api, coder_api, api_for, reviewer, coded_project):
    job = start(lead_api, coded_project, kind="train", plugin="dummy")
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, error="worker lost")
    url = f"/api/jobs/{job.pk}/retry/"

    assert coder_api.post(url).status_code == 404, "a coder cannot read the lead's job"
    assert api_for(reviewer).post(url).status_code == 403, "a reviewer reads it but may not train"
    first = lead_api.post(url)
    second = lead_api.post(url)
    assert first.status_code == 202 and second.status_code == 409
    assert "only once" in second.json()["detail"]
    assert Job.objects.filter(kind="train").count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_member_who_may_not_read_a_job_cannot_follow_it_live(lead, viewer, reviewer, project):
    from asgiref.sync import async_to_sync

    from annotator.services.jobs import job_create
    from tests.mlbackend.test_consumers import communicator, session_cookie

    job = job_create(kind="train", project=project, params={}, created_by=lead)

    async def connect(cookie):
        socket = communicator(job.pk, cookie)
        connected, code = await socket.connect(timeout=5)
        if connected:
            await socket.disconnect()
        return connected, code

    assert async_to_sync(connect)(session_cookie(viewer)) == (False, 4404)
    assert async_to_sync(connect)(session_cookie(reviewer))[0] is True
