"""Django's ASGI handler with the sync request path run in one hop on a pooled thread.

The stock handler crosses between the event loop and a fresh per-request thread for every
sync middleware method (17 crossings for a frame request) and so opens a new database
connection per request: about 5 ms of a frame's latency. MEStudio's middleware and views
are all sync, so running the whole chain in one call does the same work. The pooled thread
keeps its database connection (CONN_MAX_AGE) and, as under WSGI, checks it at each request.
"""

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.db import close_old_connections
from django.http import FileResponse


class OneHopASGIHandler(ASGIHandler):
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
        response = await sync_to_async(self._respond, thread_sensitive=False)(request)
        response._handler_class = self.__class__
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size
        return response
