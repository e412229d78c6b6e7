"""Django's ASGI handler with the sync request path run in one hop on a pooled thread.

The stock handler crosses between the event loop and a fresh per-request thread for every
sync middleware method (17 crossings for a frame request) and so opens a new database
connection per request. MEStudio's middleware and views are all sync, so running the whole
chain in one call does the same work. The pooled thread keeps its database connection
(CONN_MAX_AGE) and, as under WSGI, checks it at each request.

Measured with `manage.py bench --asgi-app` (frame endpoint, 1000 warm requests, 2-core AMD EPYC
shared with other jobs, two runs at load 7 and 5): daphne CPU per request 3.7-4.8 ms with this
handler against 7.5-9.3 ms with the stock one; p50 3.9-5.6 against 7.8-10.5 ms (p95 14-18 against
17-26 ms, the load's doing). The stock handler alone costs more CPU per request than the 5 ms p95
target allows, so this handler stays.

It overrides methods of Django's ASGIHandler that are not a public API (`__call__`,
`run_get_response`, `load_middleware`'s mode): `http_handler()` builds it only on the Django
release it was written and tested for (SUPPORTED_DJANGO), and otherwise logs a warning and
returns the stock handler, which is slower but always right.
"""

import asyncio
import logging

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.db import close_old_connections
from django.http import FileResponse

log = logging.getLogger(__name__)

# The Django release whose ASGIHandler.handle / run_get_response this module was checked against.
SUPPORTED_DJANGO = (5, 2)


class OneHopASGIHandler(ASGIHandler):
    def __init__(self):
        super().__init__()
        self._closing: set[asyncio.Future] = set()  # closes of abandoned responses, kept alive until done

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)

    async def __call__(self, scope, receive, send):
        # Stock Django opens a ThreadSensitiveContext per request: a fresh thread, only for the signal hops,
        # since the request itself runs on a pooled thread here. The process's shared sync thread serves them.
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)

    def _respond(self, request):
        close_old_connections()
        return self.get_response(request)

    async def run_get_response(self, request):
        # One request's whole sync chain stays on one pool thread, so thread-local state
        # (the database connection, the active language) is consistent within it.
        work = asyncio.ensure_future(sync_to_async(self._respond, thread_sensitive=False)(request))
        try:
            response = await asyncio.shield(work)
        except asyncio.CancelledError:
            # The client left while the view ran (Django's handle() cancels us). A thread cannot be
            # stopped: the view finishes, and the response it returns (an open file for a frame) is
            # closed on a pool thread instead of being dropped.
            work.add_done_callback(self._close_abandoned)
            raise
        response._handler_class = self.__class__
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size
        return response

    def _close_abandoned(self, work: asyncio.Future) -> None:
        if work.cancelled() or work.exception() is not None:
            return
        closing = asyncio.ensure_future(sync_to_async(work.result().close, thread_sensitive=False)())
        self._closing.add(closing)
        closing.add_done_callback(self._closing.discard)


def http_handler() -> ASGIHandler:
    """The one-hop handler on the supported Django release, else the stock handler (with a warning)."""
    if django.VERSION[:2] != SUPPORTED_DJANGO:
        log.warning("Django %s is not %s, the release annotator.asgi_handler was written for: serving HTTP "
                    "with Django's stock ASGIHandler (correct, slower; see the module's docstring).",
                    django.get_version(), ".".join(map(str, SUPPORTED_DJANGO)))
        return ASGIHandler()
    return OneHopASGIHandler()
