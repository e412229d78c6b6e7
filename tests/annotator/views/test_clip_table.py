"""The project page's clip table: coding status and events per coder, filters, search, paging, blind coding, and a
fixed number of queries per page whatever the number of clips."""

import pytest
from django.contrib.auth import get_user_model

from annotator.models import Clip, CodingEvent, Membership
from annotator.selectors.clip_table import PAGE_SIZE
from annotator.services.projects import membership_set, subject_create

CLIPS = 5_000


def make_clips(project, subjects, count, **fields):
    return Clip.objects.bulk_create([
        Clip(project=project, subject=subjects[i % len(subjects)], name=f"clip{i:05d}.mp4", source="x",
             status=Clip.Status.READY, frame_count=100, dataset="CASME II" if i % 2 else "SAMM", **fields)
        for i in range(count)])


def code(clip, coder, status=CodingEvent.Status.SUBMITTED, onset=0):
    return CodingEvent(clip=clip, coder=coder, onset=onset, offset=onset + 5, status=status)


@pytest.fixture
def second_coder(project):
    user = get_user_model().objects.create_user(username="bob", password="bob-pass-123")
    membership_set(project=project, user=user, role=Membership.Role.CODER)
    return user


@pytest.fixture
def big_project(project, lead, coder, second_coder):
    subjects = [subject_create(project=project, code=f"S{n:02d}") for n in range(1, 11)]
    clips = make_clips(project, subjects, CLIPS)
    CodingEvent.objects.bulk_create(
        [code(clip, coder) for clip in clips[:300]] + [code(clip, coder, onset=10) for clip in clips[:100]]
        + [code(clip, second_coder, CodingEvent.Status.DRAFT) for clip in clips[200:400]]
        + [code(clip, lead, CodingEvent.Status.REVIEWED) for clip in clips[400:410]])
    return project


def rows(response) -> list[str]:
    import re

    return re.findall(r'<tr data-clip="\d+"', response.content.decode())


@pytest.mark.django_db
def test_a_page_of_5000_clips_costs_a_fixed_number_of_queries(client, lead, big_project,
                                                              django_assert_max_num_queries):
    client.force_login(lead)
    with django_assert_max_num_queries(20):
        response = client.get(f"/projects/{big_project.pk}/")
    assert response.status_code == 200
    assert len(rows(response)) == PAGE_SIZE
    assert f"{CLIPS} clips" in response.content.decode()
    with django_assert_max_num_queries(12):
        response = client.get(f"/projects/{big_project.pk}/clips/", {"page": 40, "status": "in progress"})
    assert response.status_code == 200


@pytest.mark.django_db
def test_filters_search_and_paging(client, lead, big_project):
    client.force_login(lead)
    table = f"/projects/{big_project.pk}/clips/"

    def count(**query):
        body = client.get(table, query).content.decode()
        import re

        return int(re.search(r'id="clip-count">(\d+) clip', body).group(1))

    assert count(status="in progress") == 200  # bob's drafts, clips 200-399
    assert count(status="submitted") == 200  # the coder's, clips 0-199 (200-299 hold bob's drafts too)
    assert count(status="reviewed") == 10
    assert count(status="uncoded") == CLIPS - 410
    assert count(coder="bob") == 200
    assert count(coder="bob", status="in progress", dataset="SAMM") == 100
    assert count(subject="S03") == CLIPS // 10
    assert count(q="clip0012") == 10
    last_page = client.get(table, {"page": CLIPS // PAGE_SIZE})
    assert len(rows(last_page)) == PAGE_SIZE and "page 100 of 100" in last_page.content.decode()
    first = client.get(table).content.decode()
    assert '<span data-coder="coder">coder 2</span> · <span data-coder="lead">' not in first
    assert '<span data-coder="coder">coder 2</span>' in first  # clip00000: two events by the coder


@pytest.mark.django_db
def test_a_coder_sees_only_their_own_counts_and_status(client, coder, big_project):
    client.force_login(coder)
    body = client.get(f"/projects/{big_project.pk}/clips/", {"coder": "bob"}).content.decode()
    assert 'id="clip-count">0 clips' in body  # bob's drafts are hidden from another coder
    body = client.get(f"/projects/{big_project.pk}/clips/", {"status": "submitted"}).content.decode()
    assert 'id="clip-count">300 clips' in body  # their own codes only: bob's drafts do not make it "in progress"
    assert 'data-coder="bob"' not in body
