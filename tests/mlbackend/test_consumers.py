"""Job progress over the WebSocket route of the real ASGI app (with Redis in the services pass)."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
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
