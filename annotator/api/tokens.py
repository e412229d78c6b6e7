"""Password in, token out: the one API view open to anonymous clients, so guesses are rate-limited."""

from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from annotator.services.tokens import token_issue


class TokenApi(ObtainAuthToken):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response({"token": token_issue(user=serializer.validated_data["user"]).key})
