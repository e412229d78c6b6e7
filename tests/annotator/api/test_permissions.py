"""Who may see and do what (annotator/permissions.py), through the HTTP API on the real database."""

from datetime import timedelta

import pytest
from django.utils import timezone

from annotator.models import Clip, CodingEvent, Job
from annotator.services import jobs as job_services
from annotator.services.jobs import job_create, job_sweep_stale


@pytest.mark.django_db
def test_a_job_is_read_by_its_starter_the_lead_and_the_reviewer_only(
        ready_clip, api_for, coder, coder_api, lead_api, viewer, reviewer, other_coder):
    job = job_create(kind="propose", project=ready_clip.project, clip=ready_clip,
                     params={"apex": 5, "result": {"onset": 2, "offset": 9}}, created_by=coder)
    Job.objects.filter(pk=job.pk).update(log="03:00:00 proposed onset 2, offset 9 for apex 5\n")
    url = f"/api/jobs/{job.pk}/"
    for client in (coder_api, lead_api, api_for(reviewer)):
        assert client.get(url).status_code == 200
    missing = api_for(viewer).get("/api/jobs/999999/")
    for user in (viewer, other_coder):
        hidden = api_for(user).get(url)
        assert (hidden.status_code, hidden.json()) == (404, missing.json()), "hidden reads like missing"


@pytest.mark.django_db
def test_only_the_lead_reingests_and_never_a_clip_with_codes(ready_clip, client, coder, lead, coder_api):
    CodingEvent.objects.create(clip=ready_clip, coder=coder, onset=3, offset=9)
    url = f"/clips/{ready_clip.pk}/retry/"

    client.force_login(coder)
    assert client.post(url).status_code == 403
    client.force_login(lead)
    refused = client.post(url)
    assert refused.status_code == 400 and b"has coding events" in refused.content
    ready_clip.refresh_from_db()
    assert ready_clip.status == Clip.Status.READY
    assert Job.objects.filter(clip=ready_clip).count() == 1, "no ingest was queued"
    assert coder_api.get(f"/api/clips/{ready_clip.pk}/frames/0.jpg").status_code == 200

    CodingEvent.objects.filter(clip=ready_clip).delete()
    assert client.post(url).status_code == 200
    assert client.post(url).status_code == 400, "a clip already queued is not queued twice"
    assert Job.objects.filter(clip=ready_clip, status=Job.Status.QUEUED).count() == 1


@pytest.mark.django_db
def test_the_retry_button_is_shown_to_the_lead_only(client, coder, lead, import_clip, tmp_path):
    path = tmp_path / "bad.mp4"
    path.write_text("not a video")
    clip = import_clip(path)
    client.force_login(coder)
    assert f"/clips/{clip.pk}/retry/".encode() not in client.get(f"/projects/{clip.project_id}/").content
    client.force_login(lead)
    assert f"/clips/{clip.pk}/retry/".encode() in client.get(f"/projects/{clip.project_id}/").content


@pytest.mark.django_db
def test_the_sweeper_leaves_a_job_that_finished_while_it_swept(project, lead, monkeypatch):
    stale = timezone.now() - timedelta(minutes=5)
    finishing = job_create(kind="evaluate", project=project, created_by=lead)
    dead = job_create(kind="evaluate", project=project, created_by=lead)
    Job.objects.filter(pk__in=[finishing.pk, dead.pk]).update(status=Job.Status.RUNNING, heartbeat_at=stale)

    def finish_the_other_one(job):
        # The sweeper read both rows as stale; now the first one's worker writes its result.
        if job.pk == dead.pk:
            Job.objects.filter(pk=finishing.pk).update(status=Job.Status.SUCCEEDED, progress=1.0)

    monkeypatch.setattr(job_services, "job_publish", finish_the_other_one)
    assert [j.pk for j in Job.objects.filter(status=Job.Status.RUNNING)] == [dead.pk, finishing.pk]

    assert job_sweep_stale() == 1
    assert Job.objects.get(pk=dead.pk).status == Job.Status.FAILED
    finishing.refresh_from_db()
    assert (finishing.status, finishing.error) == (Job.Status.SUCCEEDED, "")


@pytest.mark.django_db
def test_a_forbidden_event_and_a_missing_one_answer_the_same_404(ready_clip, lead_api, coder_api, api_for,
                                                                  other_coder):
    theirs = api_for(other_coder).post(f"/api/clips/{ready_clip.pk}/events/", {"onset": 3, "offset": 9},
                                       format="json").json()
    for method, body in (("get", None), ("patch", {"version": 1, "notes": "x"}), ("delete", {"version": 1})):
        hidden = getattr(coder_api, method)(f"/api/events/{theirs['id']}/", body, format="json")
        missing = getattr(coder_api, method)("/api/events/999999/", body, format="json")
        assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json()) == (
            404, {"detail": "No such event."}), method
    assert CodingEvent.objects.get(pk=theirs["id"]).version == 1


@pytest.mark.django_db
def test_other_coders_reviewed_events_are_seen_but_not_their_drafts(ready_clip, coder_api, api_for, other_coder,
                                                                    lead_api, viewer):
    draft = api_for(other_coder).post(f"/api/clips/{ready_clip.pk}/events/", {"onset": 3, "offset": 9},
                                      format="json").json()
    gold = api_for(other_coder).post(f"/api/clips/{ready_clip.pk}/events/",
                                     {"onset": 20, "offset": 30, "status": "submitted"}, format="json").json()
    assert lead_api.patch(f"/api/events/{gold['id']}/", {"version": gold["version"], "status": "reviewed"},
                          format="json").status_code == 200
    for client in (coder_api, api_for(viewer)):
        listed = {e["id"] for e in client.get(f"/api/clips/{ready_clip.pk}/events/").json()}
        assert listed == {gold["id"]}
        assert client.get(f"/api/events/{gold['id']}/").status_code == 200
        assert client.get(f"/api/events/{draft['id']}/").status_code == 404
        assert client.get(f"/api/events/{gold['id']}/history/").status_code == 404, "its history holds the drafts"


@pytest.mark.django_db
def test_an_old_failed_ingest_job_cannot_pull_a_ready_clip_back(ready_clip, lead_api, coder):
    CodingEvent.objects.create(clip=ready_clip, coder=coder, onset=3, offset=9)
    old = Job.objects.get(clip=ready_clip)
    Job.objects.filter(pk=old.pk).update(status=Job.Status.FAILED)

    refused = lead_api.post(f"/api/jobs/{old.pk}/retry/")
    assert refused.status_code == 409 and "re-ingest it from the clip list" in refused.json()["detail"]
    ready_clip.refresh_from_db()
    assert ready_clip.status == Clip.Status.READY
    assert Job.objects.filter(clip=ready_clip).count() == 1
    assert Job.objects.get(pk=old.pk).retried_at is None, "the refused retry left no claim behind"


def test_the_lead_only_job_kinds_are_real_kinds():
    from annotator.jobkinds import job_kinds
    from annotator.permissions import LEAD_JOB_KINDS

    assert LEAD_JOB_KINDS <= {kind.name for kind in job_kinds()}
