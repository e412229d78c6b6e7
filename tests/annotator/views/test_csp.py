"""Every server-rendered page sends a Content-Security-Policy and holds no inline code it would block."""

import pytest
from django.test import Client

from tests.annotator.views.csp import assert_page_obeys_csp, inline_code


def test_the_checker_finds_what_the_policy_blocks():
    page = ('<p style="color:red" onclick="x()">a</p><script>alert(1)</script><style>p{}</style>'
            '<a href="javascript:go()">b</a><script type="application/json" id="c">{}</script><script src="/s.js"></script>')
    assert len(inline_code(page)) == 5


@pytest.mark.django_db
def test_every_annotator_page_obeys_the_policy(lead, ready_clip):
    assert_page_obeys_csp(Client().get("/login/"))
    client = Client()
    client.force_login(lead)
    project = ready_clip.project_id
    for url in ("/", f"/projects/{project}/", f"/projects/{project}/clips/", f"/clips/{ready_clip.pk}/"):
        assert_page_obeys_csp(client.get(url))


@pytest.mark.django_db
def test_the_throttled_login_page_obeys_the_policy(coder):
    client = Client()
    responses = [client.post("/login/", {"username": "coder", "password": "wrong"}) for _ in range(11)]
    assert_page_obeys_csp(responses[0])
    assert responses[-1].status_code == 429
    assert inline_code(responses[-1].content.decode()) == []
