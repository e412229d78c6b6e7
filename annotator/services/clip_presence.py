"""Tell the clip's open workspaces that one of its events changed, once the change is committed.

The message names only the event's coder and whether it is gold; the consumer (annotator.consumers) forwards a bare
"changed" ping to the members allowed to see that coder's codes, and their page refetches through the
visibility-checked events API: no timing ever travels over the socket, and a blind coder is not even pinged.
"""

from functools import partial

from django.db import transaction

from annotator.models import CodingEvent


def clip_group(clip_id: int) -> str:
    return f"clip-{clip_id}"


def clip_changed_publish(event: CodingEvent) -> None:
    coder_codes_changed_publish(event.clip_id, [event.coder_id], reviewed=event.status == CodingEvent.Status.REVIEWED)


def coder_codes_changed_publish(clip_id: int, coder_ids, *, reviewed: bool = False) -> None:
    """One ping per coder whose codes on the clip changed, or became visible to more members (blindness ended):
    each consumer decides again who may hear it."""
    for coder_id in coder_ids:
        message = {"type": "clip.changed", "coder": coder_id, "reviewed": reviewed}
        transaction.on_commit(partial(_send_clip_changed, clip_id, message), robust=True)


def _send_clip_changed(clip_id: int, message: dict) -> None:
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    async_to_sync(get_channel_layer().group_send)(clip_group(clip_id), message)
