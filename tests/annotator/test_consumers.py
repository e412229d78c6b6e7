"""The clip's presence socket through the real ASGI app: who else has the clip open, and a "changed" ping on each
committed event change, only to those allowed to see that coder's codes; a non-member cannot join."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator

from annotator.asgi import application
from annotator.services.assignments import assignment_create, coding_submit
from annotator.services.events import event_create
from tests.annotator.studies.conftest import make_clip  # noqa: F401  (a fixture)
from tests.mlbackend.test_consumers import session_cookie


def socket_for(clip_id: int, cookie: bytes) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/clips/{clip_id}/",
                                 headers=[(b"cookie", cookie), (b"origin", b"http://localhost")])


@pytest.fixture
def blind_clip(project, lead, coder, other_coder, make_clip):
    clip = make_clip("presence", frames=100)
    assignment_create(project=project, clips=[clip], coders=[coder, other_coder], assigned_by=lead)
    return clip


@pytest.mark.django_db(transaction=True)
def test_members_see_who_joins_and_leaves(blind_clip, coder, reviewer):
    cookies = session_cookie(coder), session_cookie(reviewer)

    async def scenario():
        first = socket_for(blind_clip.pk, cookies[0])
        assert (await first.connect(timeout=5))[0]
        second = socket_for(blind_clip.pk, cookies[1])
        assert (await second.connect(timeout=5))[0]
        joined = await first.receive_json_from(timeout=2)
        already = await second.receive_json_from(timeout=2)
        await second.disconnect()
        left = await first.receive_json_from(timeout=2)
        await first.disconnect()
        return joined, already, left

    joined, already, left = async_to_sync(scenario)()
    assert (joined["type"], joined["user"]) == ("join", "reviewer")
    assert (already["type"], already["user"]) == ("join", "coder")
    assert (left["type"], left["user"], left["id"]) == ("leave", "reviewer", joined["id"])


@pytest.mark.django_db(transaction=True)
def test_a_change_pings_only_those_who_may_see_it(blind_clip, coder, other_coder, reviewer):
    cookies = [session_cookie(user) for user in (coder, reviewer)]

    async def scenario():
        blind, seeing = socket_for(blind_clip.pk, cookies[0]), socket_for(blind_clip.pk, cookies[1])
        for socket in (blind, seeing):
            assert (await socket.connect(timeout=5))[0]
        await blind.receive_json_from(timeout=2)  # the reviewer joined
        await seeing.receive_json_from(timeout=2)  # the coder is here
        await sync_to_async(event_create)(clip=blind_clip, coder=other_coder, onset=41, apex=47, offset=53)
        pinged = await seeing.receive_json_from(timeout=2)
        # The blind coder hears nothing of the other coder's save; a ping of their own save comes next instead.
        await sync_to_async(event_create)(clip=blind_clip, coder=coder, onset=5, apex=8, offset=20)
        own = await blind.receive_json_from(timeout=2)
        await seeing.receive_json_from(timeout=2)
        assert await blind.receive_nothing(timeout=0.2)
        for socket in (blind, seeing):
            await socket.disconnect()
        return pinged, own

    pinged, own = async_to_sync(scenario)()
    assert pinged == {"type": "changed"} and own == {"type": "changed"}


@pytest.mark.django_db(transaction=True)
def test_the_end_of_blind_coding_pings_the_coder_who_was_waiting(blind_clip, coder, other_coder):
    """The first blind coder submitted and keeps the page open; when the second submits, the first page is told
    to refetch (it may now see the other's codes), without waiting for the next change or a reload."""
    cookie = session_cookie(coder)

    async def scenario():
        await sync_to_async(event_create)(clip=blind_clip, coder=coder, onset=5, apex=8, offset=20)
        await sync_to_async(event_create)(clip=blind_clip, coder=other_coder, onset=6, apex=9, offset=21)
        await sync_to_async(coding_submit)(clip=blind_clip, user=coder)
        waiting = socket_for(blind_clip.pk, cookie)
        assert (await waiting.connect(timeout=5))[0]
        assert await waiting.receive_nothing(timeout=0.2)
        await sync_to_async(coding_submit)(clip=blind_clip, user=other_coder)
        pinged = await waiting.receive_json_from(timeout=2)
        await waiting.disconnect()
        return pinged

    assert async_to_sync(scenario)() == {"type": "changed"}


@pytest.mark.django_db(transaction=True)
def test_a_non_member_cannot_join_the_clip(blind_clip, outsider):
    cookie = session_cookie(outsider)

    async def scenario():
        return await socket_for(blind_clip.pk, cookie).connect(timeout=5)

    connected, code = async_to_sync(scenario)()
    assert not connected and code == 4404
