"""API tokens: one per user, refused once older than MESTUDIO_TOKEN_TTL_HOURS, replaced when asked for again."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token


def token_expired(token: Token) -> bool:
    return token.created <= timezone.now() - timedelta(hours=settings.MESTUDIO_TOKEN_TTL_HOURS)


@transaction.atomic
def token_issue(*, user) -> Token:
    """The user's token; an expired one is deleted and a new key made, so a leaked old key stays dead."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and token_expired(token):
        token.delete()
        token = None
    return token or Token.objects.create(user=user)
