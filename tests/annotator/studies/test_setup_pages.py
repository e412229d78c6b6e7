"""Project set-up and accounts from the app, through the pages on the real database."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from annotator.models import CodingEvent, Membership, Project
from tests.conftest import make_user

PROJECT = {"name": "Study 2", "description": "", "emotion_labels": "positive, negative, surprise",
           "au_set": "1, AU2, 4, 12", "default_fps": "200", "event_kinds": ["micro"]}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_only_admins_and_leads_create_projects_and_errors_are_shown(lead, project, coder, outsider):
    assert client_for(outsider).get("/projects/new/").status_code == 403
    bad = client_for(lead).post("/projects/new/", {**PROJECT, "au_set": "1, 99", "default_fps": "0",
                                                   "emotion_labels": "", "event_kinds": []})
    assert bad.status_code == 400
    text = bad.content.decode()
    for field in ("au_set", "default_fps", "emotion_labels", "event_kinds"):
        assert f'id="error-{field}"' in text, field
    assert "99" in text and not Project.objects.filter(name="Study 2").exists()

    duplicate = client_for(lead).post("/projects/new/", {**PROJECT, "name": project.name})
    assert duplicate.status_code == 400 and "already exists" in duplicate.content.decode()

    made = client_for(lead).post("/projects/new/", PROJECT)
    created = Project.objects.get(name="Study 2")
    assert made.status_code == 302 and made["Location"] == f"/projects/{created.pk}/"
    assert (created.emotion_labels, created.au_set, created.event_kinds) == (
        ["positive", "negative", "surprise"], [1, 2, 4, 12], ["micro"])
    assert Membership.objects.get(project=created, user=lead).role == Membership.Role.LEAD
    admin = make_user("admin", is_staff=True)
    assert client_for(admin).post("/projects/new/", {**PROJECT, "name": "Admin's"}).status_code == 302


@pytest.mark.django_db
def test_the_lead_edits_settings_but_never_drops_a_used_label(lead, coder, project, subject):
    from annotator.models import Clip

    clip = Clip.objects.create(project=project, subject=subject, name="c", source="c", status="ready",
                               frame_count=50)
    CodingEvent.objects.create(clip=clip, coder=coder, onset=1, offset=5, emotion="fear", kind="macro",
                               aus=[{"number": 4}])
    url = f"/projects/{project.pk}/settings/"
    assert client_for(coder).get(url).status_code == 403
    form = client_for(lead).get(url)
    assert form.status_code == 200 and "fear" in form.content.decode()
    base = {"name": project.name, "description": "x", "au_set": "4, 12", "default_fps": "100",
            "event_kinds": ["micro", "macro"]}
    refused = client_for(lead).post(url, {**base, "emotion_labels": "happiness, surprise"})
    assert refused.status_code == 400 and "Codes use fear" in refused.content.decode()
    refused = client_for(lead).post(url, {**base, "emotion_labels": "fear", "event_kinds": ["micro"]})
    assert refused.status_code == 400 and "macro" in refused.content.decode()
    assert client_for(lead).post(url, {**base, "emotion_labels": "fear, happiness"}).status_code == 302
    project.refresh_from_db()
    assert (project.emotion_labels, project.au_set, project.default_fps) == (["fear", "happiness"], [4, 12], 100.0)


@pytest.mark.django_db
def test_an_admin_makes_an_account_whose_link_sets_the_password_once(lead, project):
    assert client_for(lead).get("/accounts/new/").status_code == 403, "a lead is not a site admin"
    admin = make_user("admin", is_staff=True)
    taken = client_for(admin).post("/accounts/new/", {"username": "LEAD"})
    assert taken.status_code == 400 and "taken" in taken.content.decode()
    assert client_for(admin).post("/accounts/new/", {"username": "bad name!"}).status_code == 400

    made = client_for(admin).post("/accounts/new/", {"username": "newcoder", "email": "n@example.org"})
    assert made.status_code == 200 and made["Cache-Control"] == "no-store"
    link = re.search(r'value="http://testserver(/accounts/set-password/[^"]+)"', made.content.decode()).group(1)
    user = get_user_model().objects.get(username="newcoder")
    assert not user.has_usable_password()

    anonymous = Client()
    page = anonymous.get(link, follow=True)
    assert page.status_code == 200 and 'id="set-password-form"' in page.content.decode()
    form_url = page.redirect_chain[-1][0]
    weak = anonymous.post(form_url, {"new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 200 and "error-new_password2" in weak.content.decode()
    done = anonymous.post(form_url, {"new_password1": "a-Long-pass-4291", "new_password2": "a-Long-pass-4291"})
    assert done.status_code == 302 and done["Location"] == "/accounts/set-password/done/"
    assert Client().login(username="newcoder", password="a-Long-pass-4291")

    again = Client().get(link, follow=True)
    assert 'id="link-invalid"' in again.content.decode(), "the link works once"
    stolen = Client().post(link, {"new_password1": "x-Other-pass-77", "new_password2": "x-Other-pass-77"},
                           follow=True)
    assert 'id="link-invalid"' in stolen.content.decode()
    assert Client().login(username="newcoder", password="a-Long-pass-4291")


@pytest.mark.django_db
def test_leads_add_members_and_set_roles_with_clear_errors(lead, coder, project):
    make_user("newbie")
    url = f"/projects/{project.pk}/members/"
    assert client_for(coder).post(url, {"username": "newbie", "role": "coder"}).status_code == 403
    unknown = client_for(lead).post(url, {"username": "ghost", "role": "coder"})
    assert unknown.status_code == 400 and "No account" in unknown.content.decode()
    demote = client_for(lead).post(url, {"username": "lead", "role": "viewer"})
    assert demote.status_code == 400 and "demote yourself" in demote.content.decode()
    assert client_for(lead).post(url, {"username": "newbie", "role": "reviewer"}).status_code == 200
    assert client_for(lead).post(url, {"username": "coder", "role": "viewer"}).status_code == 200
    roles = dict(project.memberships.values_list("user__username", "role"))
    assert roles == {"lead": "lead", "coder": "viewer", "newbie": "reviewer"}


@pytest.mark.django_db
def test_leads_remove_members_but_never_the_last_lead(lead, coder, project):
    url = f"/projects/{project.pk}/members/{{}}/remove/"
    page = client_for(lead).get(f"/projects/{project.pk}/").content.decode()
    assert url.format(coder.pk) in page and url.format(lead.pk) not in page, "a remove button per member but oneself"
    assert client_for(coder).post(url.format(lead.pk)).status_code == 403
    last = client_for(lead).post(url.format(lead.pk))
    assert last.status_code == 400 and "at least one lead" in last.content.decode()
    removed = client_for(lead).post(url.format(coder.pk))
    assert removed.status_code == 200 and "coder" not in removed.content.decode().split("<form")[0]
    assert dict(project.memberships.values_list("user__username", "role")) == {"lead": "lead"}
    assert client_for(coder).get(f"/projects/{project.pk}/").status_code == 404, "no longer a member"
