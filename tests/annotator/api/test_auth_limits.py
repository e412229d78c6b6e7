"""Password guessing is rate-limited on the token endpoint and the login page; API tokens expire."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

RATE = 10  # the default MESTUDIO_LOGIN_RATE and MESTUDIO_TOKEN_RATE: 10/min


@pytest.mark.django_db
def test_the_token_endpoint_answers_429_after_ten_guesses_even_for_the_right_password(coder):
    client = APIClient()
    for attempt in range(RATE):
        guess = client.post("/api/token/", {"username": "coder", "password": f"guess-{attempt}"}, format="json",
                            HTTP_X_FORWARDED_FOR=f"10.0.0.{attempt}")
        assert guess.status_code == 400, guess.content
    right = client.post("/api/token/", {"username": "coder", "password": "coder-pass-123"}, format="json",
                        HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert right.status_code == 429
    assert "throttled" in right.json()["detail"] and int(right["Retry-After"]) > 0
    assert not Token.objects.exists()
    other_address = APIClient(REMOTE_ADDR="192.0.2.7")
    assert other_address.post("/api/token/", {"username": "coder", "password": "coder-pass-123"},
                              format="json").status_code == 200


@pytest.mark.django_db
def test_the_login_page_answers_429_after_ten_failed_attempts(coder):
    client = Client()
    for attempt in range(RATE):
        failed = client.post("/login/", {"username": "coder", "password": f"guess-{attempt}"},
                             HTTP_X_FORWARDED_FOR=f"10.0.0.{attempt}")
        assert failed.status_code == 200 and b"enter a correct username and password" in failed.content
    blocked = client.post("/login/", {"username": "coder", "password": "coder-pass-123"})
    assert blocked.status_code == 429
    assert b"Too many login attempts" in blocked.content and int(blocked["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session
    assert client.get("/login/").status_code == 200, "the form itself stays readable"
    assert Client(REMOTE_ADDR="192.0.2.7").post(
        "/login/", {"username": "coder", "password": "coder-pass-123"}).status_code == 302


@pytest.mark.django_db
def test_an_expired_token_is_refused_and_a_new_login_rotates_it(coder, ready_clip, project):
    issued = APIClient().post("/api/token/", {"username": "coder", "password": "coder-pass-123"}, format="json")
    old_key = issued.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {old_key}")
    assert client.get("/api/projects/").status_code == 200
    assert client.get(f"/api/clips/{ready_clip.pk}/frames/0.jpg").status_code == 200

    age = timedelta(hours=settings.MESTUDIO_TOKEN_TTL_HOURS, minutes=1)
    Token.objects.filter(key=old_key).update(created=timezone.now() - age)
    refused = client.get("/api/projects/")
    assert refused.status_code in (401, 403) and "expired" in refused.json()["detail"]
    assert client.get(f"/api/clips/{ready_clip.pk}/frames/0.jpg").status_code == 401

    renewed = APIClient().post("/api/token/", {"username": "coder", "password": "coder-pass-123"}, format="json")
    new_key = renewed.json()["token"]
    assert new_key != old_key and not Token.objects.filter(key=old_key).exists()
    client.credentials(HTTP_AUTHORIZATION=f"Token {new_key}")
    assert client.get("/api/projects/").status_code == 200
    again = APIClient().post("/api/token/", {"username": "coder", "password": "coder-pass-123"}, format="json")
    assert again.json()["token"] == new_key, "a valid token is handed out again, not replaced"
