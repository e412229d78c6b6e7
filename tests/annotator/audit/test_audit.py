"""The audit trail: append-only rows for media views (once per session and clip), role changes, job starts,
imports and exports; code changes come from EventRevision; the lead's page and CSV with filters."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotator.jobkinds import INGEST
from annotator.models import AuditEntry, Membership
from annotator.services.exports import export_create, export_file_for
from annotator.services.jobs import job_create
from annotator.services.projects import membership_set
from tests.annotator.studies.conftest import add


@pytest.mark.django_db
def test_frames_are_audited_once_per_session_and_clip_and_the_hot_path_stays_one_query(ready_clip, coder, client):
    client.force_login(coder)
    assert client.get(f"/api/clips/{ready_clip.pk}/frames/0.jpg").status_code == 200
    for frame in (1, 2, 3):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/api/clips/{ready_clip.pk}/frames/{frame}.jpg").status_code == 200
        own = [q for q in queries.captured_queries if "django_session" not in q["sql"] and "auth_user" not in q["sql"]]
        assert len(own) == 1, own
    assert client.get(f"/clips/{ready_clip.pk}/").status_code == 200, "the workspace of the same session"
    views = AuditEntry.objects.filter(action="media.view")
    assert list(views.values_list("user__username", "object_type", "object_id", "project_id")) == [
        ("coder", "clip", ready_clip.pk, ready_clip.project_id)]
    other = client.__class__()
    other.force_login(coder)
    assert other.get(f"/clips/{ready_clip.pk}/").status_code == 200
    assert views.count() == 2, "a second login session is a second view"


@pytest.mark.django_db
def test_role_changes_job_starts_and_exports_are_recorded(project, lead, coder, make_clip, lead_api, coder_api,
                                                         client):
    membership_set(project=project, user=coder, role=Membership.Role.REVIEWER, set_by=lead)
    membership_set(project=project, user=coder, role=Membership.Role.REVIEWER, set_by=lead)  # no change
    membership_set(project=project, user=coder, role=Membership.Role.CODER, set_by=lead)
    roles = AuditEntry.objects.filter(action="role.change", object_id=coder.pk).order_by("id")
    assert roles.first().user is None and roles.first().after == {"role": "coder"}, "the fixture: set by the system"
    roles = roles.filter(user=lead)
    assert [(e.user.username, e.before, e.after) for e in roles] == [
        ("lead", {"role": "coder"}, {"role": "reviewer"}), ("lead", {"role": "reviewer"}, {"role": "coder"})]
    clip = make_clip("c1")
    add(coder_api, clip, 1, 2, 3)
    clip.subject.__class__.objects.update(consent_given=True)
    made = export_create(project=project, user=lead, format="casme2_csv")
    assert export_file_for(export=made, user=lead).is_file()
    assert AuditEntry.objects.get(action="export.download").object_id == made.pk
    export = AuditEntry.objects.get(action="export")
    assert (export.user, export.project_id, export.after["format"]) == (lead, project.pk, "casme2_csv")
    job = job_create(kind=INGEST, clip=clip, created_by=lead)
    start = AuditEntry.objects.get(action="job.start", object_id=job.pk)
    assert (start.user, start.project_id, start.detail) == (lead, project.pk, INGEST)


@pytest.mark.django_db
def test_audit_rows_are_append_only(project, lead):
    entry = AuditEntry.objects.filter(project=project).first() or AuditEntry.objects.create(
        user=lead, action="export", project=project)
    entry.detail = "rewritten"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()
    from django.contrib import admin
    model_admin = admin.site._registry[AuditEntry]
    request = type("R", (), {"user": lead})()
    assert not model_admin.has_change_permission(request) and not model_admin.has_delete_permission(request)
    assert not model_admin.has_add_permission(request)


@pytest.mark.django_db
def test_the_lead_reads_the_audit_page_and_csv_with_code_changes_and_filters(project, lead, coder, make_clip,
                                                                             coder_api, client, reviewer):
    clip = make_clip("c1")
    event = add(coder_api, clip, 1, 2, 3)
    assert coder_api.patch(f"/api/events/{event['id']}/", {"version": 1, "notes": "=HYPERLINK(1)"},
                           format="json").status_code == 200
    for user, status in ((coder, 403), (reviewer, 403)):
        client.force_login(user)
        assert client.get(f"/projects/{project.pk}/audit/").status_code == status
        assert client.get(f"/projects/{project.pk}/audit.csv").status_code == status
    client.force_login(lead)
    page = client.get(f"/projects/{project.pk}/audit/")
    assert page.status_code == 200 and "code.update" in page.content.decode()
    rows = list(csv.DictReader(io.StringIO(client.get(f"/projects/{project.pk}/audit.csv").content.decode())))
    update = next(r for r in rows if r["action"] == "code.update")
    assert update["user"] == "coder" and update["object_id"] == str(event["id"])
    assert '"version": 1' in update["before"] and '"version": 2' in update["after"]
    assert '"notes": "=HYPERLINK(1)"' in update["after"]
    assert {r["action"] for r in rows} >= {"code.create", "code.update", "role.change"}
    only = list(csv.DictReader(io.StringIO(client.get(
        f"/projects/{project.pk}/audit.csv?action=code.create&user=coder").content.decode())))
    assert [(r["action"], r["user"]) for r in only] == [("code.create", "coder")]
    none = list(csv.DictReader(io.StringIO(client.get(
        f"/projects/{project.pk}/audit.csv?since=2999-01-01").content.decode())))
    assert none == []
    assert client.get(f"/projects/{project.pk}/audit/?since=yesterday").status_code == 400
