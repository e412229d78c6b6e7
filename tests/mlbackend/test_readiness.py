"""A model job bound to fail is refused before it is queued, with the reason the Models page shows."""

import pytest
from django.core.exceptions import ValidationError

from annotator.models import CodingEvent, Job
from mlbackend.services.jobs import ml_job_create


@pytest.mark.django_db
def test_jobs_that_cannot_succeed_are_refused_and_nothing_is_queued(project, lead, ready_clip):
    with pytest.raises(ValidationError, match="No active dummy model in this project: train one first"):
        ml_job_create(kind="preannotate", project=project, created_by=lead, plugin="dummy")
    with pytest.raises(ValidationError, match="No submitted or reviewed codes yet"):
        ml_job_create(kind="train", project=project, created_by=lead, plugin="dummy")
    CodingEvent.objects.create(clip=ready_clip, coder=lead, onset=1, offset=5, emotion="happiness",
                               status=CodingEvent.Status.SUBMITTED)
    with pytest.raises(ValidationError, match="at least 2 subjects; there are codes of 1"):
        ml_job_create(kind="evaluate", project=project, created_by=lead, plugin="dummy")
    with pytest.raises(ValidationError, match="at least 2 emotions; found happiness"):
        ml_job_create(kind="train", project=project, created_by=lead, plugin="flow_svm", evaluate=False)
    with pytest.raises(ValidationError, match="No reviewed codes yet"):
        ml_job_create(kind="train", project=project, created_by=lead, plugin="dummy", label_source="reviewed")
    assert not Job.objects.exclude(kind="ingest").exists()
    # Without LOSO figures one subject's codes train a spotter.
    assert ml_job_create(kind="train", project=project, created_by=lead, plugin="motion_spotter", evaluate=False)


@pytest.mark.django_db
def test_the_models_page_opens_on_a_choice_that_can_succeed(client, lead, coded_project):
    client.force_login(lead)
    page = client.get(f"/projects/{coded_project.pk}/ml/")
    readiness, default = page.context["readiness"], page.context["default"]
    key = f"{default['kind']}|{default['plugin']}|{default['label_source']}|{str(default['evaluate']).lower()}"
    assert readiness[key] == "" and default["kind"] == "train"
    assert readiness["preannotate|dummy|submitted|true"].startswith("No active dummy model")
