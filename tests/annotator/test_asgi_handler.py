"""The one-hop ASGI handler: a guard on the Django release, pooled database connections, client disconnects."""

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import django
import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.core.handlers.asgi import ASGIHandler
from django.db import connections

from annotator import asgi_handler
from annotator.asgi_handler import OneHopASGIHandler, http_handler
from tests.annotator import asgi_views

pytestmark = pytest.mark.django_db(transaction=True)  # pool threads hold their own connections
WORKERS = 2


def scope(path):
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
            "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 5000), "server": ("testserver", 80)}


async def get(handler, path):
    communicator = ApplicationCommunicator(handler, scope(path))
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await communicator.receive_output(10)
    body = b""
    while True:
        message = await communicator.receive_output(10)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await communicator.wait(10)
    return start["status"], body


async def close_pool_connections(executor: ThreadPoolExecutor) -> None:
    """Close the connection each pool thread holds (a barrier puts one call on every thread)."""
    barrier = threading.Barrier(WORKERS)

    def close():
        connections.close_all()
        barrier.wait(10)

    loop = asyncio.get_running_loop()
    await asyncio.gather(*(loop.run_in_executor(executor, close) for _ in range(WORKERS)))


def run_on_pool(coroutine_function):
    """Run a test body on one event loop whose default executor is a 2-thread pool we own (as daphne's loop)."""

    async def body():
        executor = ThreadPoolExecutor(WORKERS, thread_name_prefix="asgi-test")
        asyncio.get_running_loop().set_default_executor(executor)
        try:
            return await coroutine_function()
        finally:
            await close_pool_connections(executor)

    return async_to_sync(body)()


@pytest.fixture
def handler(settings):
    settings.ROOT_URLCONF = "tests.annotator.asgi_views"
    asgi_views.RAW_CONNECTIONS.clear()
    for event in (asgi_views.slow_entered, asgi_views.slow_release, asgi_views.slow_closed, asgi_views.slow_finished):
        event.clear()
    return OneHopASGIHandler()


def test_requests_reuse_their_pool_thread_database_connection(handler):
    async def requests():
        return [await get(handler, "/db/") for _ in range(20)]

    responses = run_on_pool(requests)
    assert [status for status, _ in responses] == [200] * 20
    raw = asgi_views.RAW_CONNECTIONS
    distinct = {id(connection) for connection in raw}
    assert len(raw) == 20 and 1 <= len(distinct) <= WORKERS  # one connection per pool thread, not per request


def test_a_client_that_leaves_mid_request_gets_nothing_and_breaks_nothing(handler):
    async def leave_then_ask_again():
        communicator = ApplicationCommunicator(handler, scope("/slow/"))
        await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
        assert await asyncio.to_thread(asgi_views.slow_entered.wait, 10)
        await communicator.send_input({"type": "http.disconnect"})
        await communicator.wait(10)  # the handler returns (no exception) while the view still runs
        assert await communicator.receive_nothing(0.05)
        asgi_views.slow_release.set()
        closed = await asyncio.to_thread(asgi_views.slow_closed.wait, 10)  # the abandoned response is closed
        return closed, await get(handler, "/db/")

    closed, (status, body) = run_on_pool(leave_then_ask_again)
    assert asgi_views.slow_finished.is_set() and closed
    assert status == 200 and b'"users": 0' in body  # the pool threads' connections still work


def test_a_client_that_leaves_before_sending_its_body_is_ignored(handler):
    async def leave():
        communicator = ApplicationCommunicator(handler, scope("/db/"))
        await communicator.send_input({"type": "http.disconnect"})
        await communicator.wait(10)
        return await communicator.receive_nothing(0.05), await get(handler, "/db/")

    nothing_sent, (status, _) = run_on_pool(leave)
    assert nothing_sent and status == 200


def test_the_supported_django_gets_the_one_hop_handler():
    assert django.VERSION[:2] == asgi_handler.SUPPORTED_DJANGO, "re-check asgi_handler against this Django"
    assert isinstance(http_handler(), OneHopASGIHandler)


def test_another_django_release_gets_the_stock_handler_and_a_warning(monkeypatch, caplog):
    monkeypatch.setattr(django, "VERSION", (6, 0, 0, "final", 0))
    with caplog.at_level(logging.WARNING, logger="annotator.asgi_handler"):
        handler = http_handler()
    assert type(handler) is ASGIHandler
    assert "stock ASGIHandler" in caplog.text
