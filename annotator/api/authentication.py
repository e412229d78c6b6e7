"""Token authentication with an expiry (annotator.services.tokens). Kept apart from views: DRF imports it early."""

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from annotator.services.tokens import token_expired


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            raise AuthenticationFailed("This token has expired: post your username and password to /api/token/ for a new one.")
        return user, token
