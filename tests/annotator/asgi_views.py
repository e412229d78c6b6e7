"""Views and a URLconf for the ASGI handler tests only (ROOT_URLCONF is pointed here by the tests)."""

import threading

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.urls import path

RAW_CONNECTIONS: list = []  # every DB-API connection a request used (strong refs: ids stay unique)
slow_entered, slow_release, slow_closed, slow_finished = (threading.Event() for _ in range(4))


@login_not_required
def database(request):
    count = get_user_model().objects.count()  # a real query: opens (or reuses) this thread's connection
    RAW_CONNECTIONS.append(connection.connection)
    return JsonResponse({"thread": threading.get_ident(), "connection": id(connection.connection), "users": count})


class TrackedResponse(HttpResponse):
    def close(self):
        super().close()
        slow_closed.set()


@login_not_required
def slow(request):
    """Blocks until the test releases it, after the client has gone."""
    slow_entered.set()
    slow_release.wait(10)
    get_user_model().objects.count()
    slow_finished.set()
    return TrackedResponse(b"too late")


urlpatterns = [path("db/", database), path("slow/", slow)]
