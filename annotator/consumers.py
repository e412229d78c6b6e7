"""Who else has a clip open, and a ping when one of its events changes, over one WebSocket per open workspace.

Every member who may open the clip joins its group (annotator.services.clip_presence.clip_group). Presence: a
newcomer says hello to the group, each one already there answers the newcomer directly, and a leaver says goodbye;
each open page is told apart by its channel name, so one person in two tabs counts once per tab. Changes: the
group hears which coder's event changed; each consumer forwards a bare "changed" only when its user may see that
coder's codes on the clip (permissions.sees_coder_on_clip, or a gold code), and the page refetches through the
events API, which applies the same rule. Nothing of a timing travels here.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404

from annotator.permissions import role_for, sees_coder_on_clip
from annotator.selectors.access import clip_for_user
from annotator.services.clip_presence import clip_group


@database_sync_to_async
def _may_open(user, clip_id: int) -> bool:
    try:
        clip_for_user(user, clip_id)
    except Http404:
        return False
    return True


@database_sync_to_async
def _sees_change(user, clip_id: int, project_id: int, message: dict) -> bool:
    """A gold code is every member's to see; a coder's event only theirs who may see that coder's codes here."""
    role = role_for(user, project_id)
    return role is not None and (message["reviewed"] or sees_coder_on_clip(user, role, message["coder"], clip_id))


@database_sync_to_async
def _project_of(clip_id: int) -> int:
    from annotator.models import Clip

    return Clip.objects.values_list("project_id", flat=True).get(pk=clip_id)


class ClipPresenceConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.clip_id = int(self.scope["url_route"]["kwargs"]["clip_id"])
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not await _may_open(user, self.clip_id):
            await self.close(code=4404)
            return
        self.user = user
        self.project_id = await _project_of(self.clip_id)
        self.group = clip_group(self.clip_id)
        await self.accept()
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.channel_layer.group_send(self.group, {
            "type": "presence.hello", "user": user.username, "channel": self.channel_name})

    async def disconnect(self, code):
        if not hasattr(self, "user"):
            return
        await self.channel_layer.group_discard(self.group, self.channel_name)
        await self.channel_layer.group_send(self.group, {
            "type": "presence.leave", "user": self.user.username, "channel": self.channel_name})

    async def receive_json(self, content, **kwargs):
        """The page only listens."""

    async def presence_hello(self, message):
        if message["channel"] == self.channel_name:
            return
        await self._send_presence("join", message)
        await self.channel_layer.send(message["channel"], {
            "type": "presence.here", "user": self.user.username, "channel": self.channel_name})

    async def presence_here(self, message):
        await self._send_presence("join", message)

    async def presence_leave(self, message):
        await self._send_presence("leave", message)

    async def _send_presence(self, what: str, message: dict):
        # The peer's channel name is an opaque routing id; the page keys its list by it.
        await self.send_json({"type": what, "user": message["user"], "id": message["channel"]})

    async def clip_changed(self, message):
        if await _sees_change(self.user, self.clip_id, self.project_id, message):
            await self.send_json({"type": "changed"})
