"""The login page, rate-limited with DRF's throttle (the same cache and rate format as the API's)."""

from django.contrib.auth import views as auth_views
from django.shortcuts import render
from rest_framework.throttling import SimpleRateThrottle


class LoginRateThrottle(SimpleRateThrottle):
    """Login attempts per client address."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ThrottledLoginView(auth_views.LoginView):
    def post(self, request, *args, **kwargs):
        throttle = LoginRateThrottle()
        if not throttle.allow_request(request, self):
            wait = int(throttle.wait() or 60) + 1
            response = render(request, "registration/login_throttled.html", {"wait": wait}, status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)
