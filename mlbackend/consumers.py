"""Live job progress over a WebSocket.

With Redis the worker pushes to the job's channel group and the update goes out at once.
Embedded, the worker runs in another process with no shared channel layer, so the consumer
also reads the row a few times a second; either way the browser hears within a second.
"""

import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from django.http import Http404

from annotator.models import Job
from annotator.selectors.access import job_for_user

POLL_INTERVAL_S = 0.3
FIELDS = ("id", "kind", "status", "progress", "message", "error", "device")


@database_sync_to_async
def _job_state(user, job_id: int) -> dict | None:
    """The job's state for whoever may read it (permissions.can_read_job), else None."""
    try:
        job, _ = job_for_user(user, job_id)
    except Http404:
        return None
    return {field: getattr(job, field) for field in FIELDS}


class JobProgressConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.job_id = int(self.scope["url_route"]["kwargs"]["job_id"])
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or await _job_state(user, self.job_id) is None:
            await self.close(code=4404)
            return
        self.user = user
        self.last_sent = None
        await self.accept()
        await self.channel_layer.group_add(f"job-{self.job_id}", self.channel_name)
        self.poller = asyncio.create_task(self._poll())

    async def disconnect(self, code):
        if hasattr(self, "poller"):
            self.poller.cancel()
            await self.channel_layer.group_discard(f"job-{self.job_id}", self.channel_name)

    async def job_update(self, event):
        await self._send_state()

    async def _poll(self):
        while True:
            finished = await self._send_state()
            if finished:
                return
            await asyncio.sleep(POLL_INTERVAL_S)

    async def _send_state(self) -> bool:
        state = await _job_state(self.user, self.job_id)
        if state is None:
            return True
        if state != self.last_sent:
            self.last_sent = state
            await self.send_json(state)
        return state["status"] not in {Job.Status.QUEUED, Job.Status.RUNNING}
