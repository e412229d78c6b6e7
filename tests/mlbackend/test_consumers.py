"""Job progress over the WebSocket route of the real ASGI app (with Redis in the services pass)."""

import asyncio

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client

from annotator.asgi import application
from annotator.models import Job
from annotator.services.jobs import ProgressReporter, job_claim, job_create


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def communicator(job_id: int, cookie: bytes) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/jobs/{job_id}/",
                                 headers=[(b"cookie", cookie), (b"origin", b"http://localhost")])


@pytest.mark.django_db(transaction=True)
def test_progress_reaches_the_socket_within_a_second(lead, project):
    job = job_create(kind="evaluate", project=project, params={"plugin": "dummy"}, created_by=lead)
    assert job_claim(job=job)
    cookie = session_cookie(lead)

    async def scenario():
        socket = communicator(job.pk, cookie)
        connected, _ = await socket.connect(timeout=5)
        assert connected
        first = await socket.receive_json_from(timeout=5)
        await sync_to_async(ProgressReporter(job))(0.42, "fold 2/4", force=True)
        second = await socket.receive_json_from(timeout=1)
        await socket.disconnect()
        return first, second

    first, second = async_to_sync(scenario)()
    assert first["status"] == "running" and first["progress"] == 0
    assert second["progress"] == pytest.approx(0.42) and second["message"] == "fold 2/4"


@pytest.mark.django_db(transaction=True)
def test_a_non_member_cannot_follow_another_projects_job(lead, outsider, project):
    job = job_create(kind="evaluate", project=project, params={}, created_by=lead)
    cookie = session_cookie(outsider)

    async def scenario():
        socket = communicator(job.pk, cookie)
        connected, code = await socket.connect(timeout=5)
        return connected, code

    connected, code = async_to_sync(scenario)()
    assert not connected and code == 4404


def receive(layer, channel: str) -> dict:
    async def bounded():
        return await asyncio.wait_for(layer.receive(channel), timeout=10)

    return async_to_sync(bounded)()


@pytest.mark.django_db(transaction=True)
def test_a_job_change_is_published_only_once_its_transaction_commits(lead, project):
    """A consumer woken before the commit would read the old row; the marker shows what was sent, in order."""
    job = job_create(kind="evaluate", project=project, params={"plugin": "dummy"}, created_by=lead)
    layer = get_channel_layer()
    listener = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(f"job-{job.pk}", listener)
    marker = {"type": "test.marker"}

    with transaction.atomic():
        assert job_claim(job=job)
        ProgressReporter(job)(0.5, "half", force=True)
        async_to_sync(layer.group_send)(f"job-{job.pk}", marker)
        assert receive(layer, listener) == marker, "job state was published before its commit"
    after_commit = [receive(layer, listener) for _ in range(2)]
    assert after_commit == [{"type": "job.update", "job": job.pk}] * 2

    with pytest.raises(RuntimeError), transaction.atomic():
        ProgressReporter(job)(0.7, "rolled back", force=True)
        raise RuntimeError("the write is rolled back")
    async_to_sync(layer.group_send)(f"job-{job.pk}", marker)
    assert receive(layer, listener) == marker, "a rolled-back change was published"
    async_to_sync(layer.group_discard)(f"job-{job.pk}", listener)


@pytest.mark.django_db(transaction=True)
def test_the_consumer_polls_the_row_only_with_an_in_process_channel_layer(lead, project):
    """Embedded, a worker's write reaches the page only by reading the row; through Redis it is pushed, so a write
    that nobody published is never sent (no polling), and the next published one is."""
    job = job_create(kind="evaluate", project=project, params={"plugin": "dummy"}, created_by=lead)
    assert job_claim(job=job)
    cookie = session_cookie(lead)
    process_local = isinstance(get_channel_layer(), InMemoryChannelLayer)

    def write_without_publishing():
        Job.objects.filter(pk=job.pk).update(progress=0.25, message="written by another process")

    async def scenario():
        socket = communicator(job.pk, cookie)
        connected, _ = await socket.connect(timeout=5)
        assert connected
        first = await socket.receive_json_from(timeout=5)
        await sync_to_async(write_without_publishing)()
        if process_local:
            polled = await socket.receive_json_from(timeout=5)
        else:
            assert await socket.receive_nothing(timeout=1.5), "the consumer polled the database"
            await sync_to_async(ProgressReporter(job))(0.5, "published", force=True)
            polled = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return first, polled

    first, update = async_to_sync(scenario)()
    assert first["progress"] == 0
    if process_local:
        assert (update["progress"], update["message"]) == (0.25, "written by another process")
    else:
        assert (update["progress"], update["message"]) == (0.5, "published")
