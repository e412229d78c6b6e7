"""Training uses reviewed (gold) codes by default: with submitted codes only the request is refused before
anything is queued and says why; once the lead marks them reviewed (or a reviewer makes gold codes) the same
request succeeds. The Models page offers reviewed codes first."""

import pytest

from annotator.models import CodingEvent, Job
from annotator.services.review import event_mark_reviewed
from mlbackend import tasks
from mlbackend.models import ModelVersion


def start_training(lead_api, project):
    return lead_api.post(f"/api/projects/{project.pk}/ml/jobs/", {"kind": "train", "plugin": "dummy",
                                                                  "evaluate": False}, format="json")


def train(lead_api, project) -> Job:
    response = start_training(lead_api, project)
    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["id"])
    assert job.params["label_source"] == "reviewed"
    tasks.train(job.pk)
    job.refresh_from_db()
    return job


@pytest.mark.django_db
def test_training_by_default_waits_for_gold_codes_then_succeeds(lead_api, lead, coded_project, client):
    refused = start_training(lead_api, coded_project)
    assert refused.status_code == 400 and "No reviewed codes" in str(refused.json())
    assert not Job.objects.filter(kind="train").exists()
    event_mark_reviewed(events=list(CodingEvent.objects.filter(clip__project=coded_project).values_list(
        "pk", flat=True)), user=lead)
    done = train(lead_api, coded_project)
    assert done.status == Job.Status.SUCCEEDED, done.error
    version = ModelVersion.objects.get(job=done)
    assert version.label_source == "reviewed" and len(version.data_snapshot["events"]) == 16
    client.force_login(lead)
    page = client.get(f"/projects/{coded_project.pk}/ml/").content.decode()
    assert '<option value="reviewed" selected>' in page
