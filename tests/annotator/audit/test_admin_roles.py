"""Role changes made in Django admin go through the membership services: audited under the administrator's name,
and a project keeps a lead."""

import pytest
from django.contrib.auth import get_user_model

from annotator.models import AuditEntry, Membership


def admin_post(client, project, rows, *, delete=()):
    """POST the project's admin change form with its membership rows (user, role) as they should be."""
    url = f"/admin/annotator/project/{project.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: field.prepare_value(form[name].value()) for name, field in form.fields.items()}
    data = {name: value for name, value in data.items() if value is not None}
    memberships = list(Membership.objects.filter(project=project).order_by("pk"))
    data |= {"memberships-TOTAL_FORMS": len(rows), "memberships-INITIAL_FORMS": len(memberships),
            "memberships-MIN_NUM_FORMS": 0, "memberships-MAX_NUM_FORMS": 1000}
    for i, (user, role) in enumerate(rows):
        data |= {f"memberships-{i}-user": user.pk, f"memberships-{i}-role": role, f"memberships-{i}-project": project.pk}
        if i < len(memberships):
            data[f"memberships-{i}-id"] = memberships[i].pk
            if memberships[i].user_id in {u.pk for u in delete}:
                data[f"memberships-{i}-DELETE"] = "on"
    return client.post(url, data)


@pytest.fixture
def site_admin(client):
    admin = get_user_model().objects.create_superuser("siteadmin", password="x-long-password-1")
    client.force_login(admin)
    return admin


@pytest.mark.django_db
def test_an_admin_role_change_and_removal_are_audited_under_the_admins_name(project, lead, coder, site_admin, client):
    assert {m.user: m.role for m in Membership.objects.filter(project=project)} == {lead: "lead", coder: "coder"}
    response = admin_post(client, project, [(lead, "lead"), (coder, "reviewer")])
    assert response.status_code == 302, (response.context["adminform"].form.errors, [f.formset.errors for f in response.context["inline_admin_formsets"]])
    change = AuditEntry.objects.get(action="role.change", user=site_admin)
    assert (change.object_id, change.before, change.after) == (coder.pk, {"role": "coder"}, {"role": "reviewer"})

    response = admin_post(client, project, [(lead, "lead"), (coder, "reviewer")], delete=[coder])
    assert response.status_code == 302
    assert not Membership.objects.filter(project=project, user=coder).exists()
    removal = AuditEntry.objects.filter(action="role.change", user=site_admin).latest("id")
    assert (removal.object_id, removal.before, removal.after) == (coder.pk, {"role": "reviewer"}, {"role": None})


@pytest.mark.django_db
def test_admin_cannot_leave_a_project_without_a_lead(project, lead, coder, site_admin, client):
    response = admin_post(client, project, [(lead, "coder"), (coder, "coder")])
    assert response.status_code == 200 and b"at least one lead" in response.content
    assert Membership.objects.get(project=project, user=lead).role == "lead"
    assert not AuditEntry.objects.filter(user=site_admin).exists()


@pytest.mark.django_db
def test_codes_are_view_only_in_admin_so_no_edit_skips_the_revision_history(ready_clip, coder, site_admin, client):
    from annotator.services.events import event_create

    event = event_create(clip=ready_clip, coder=coder, onset=3, apex=5, offset=9)
    url = f"/admin/annotator/codingevent/{event.pk}/change/"
    assert client.get(url).status_code == 200, "an administrator can still look"
    client.post(url, {"onset": 1, "apex": 5, "offset": 9, "clip": ready_clip.pk, "coder": coder.pk})
    client.post(f"/admin/annotator/codingevent/{event.pk}/delete/", {"post": "yes"})
    event.refresh_from_db()
    assert (event.onset, event.version) == (3, 1)
