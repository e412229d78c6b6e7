"""The other coders' events the workspace shows read-only, one timeline lane per coder plus one for gold codes.

Only what the visibility rule lets the user see reaches the page (events_visible, the same Q every list and
detail route uses): a coder still coding blind gets no lane of anyone else's draft or submitted timing.
"""

from annotator.api.serializers import EventSerializer
from annotator.models import CodingEvent
from annotator.selectors.access import events_visible

GOLD_LANE = "gold"


def other_lanes(user, clip, role) -> list[dict]:
    """[{"name", "gold", "events"}]: a lane per other coder by username, then the gold lane (reviewed events
    made by anyone but the user; the user's own stay in their editable lane)."""
    others = events_visible(user, clip, role).exclude(coder=user).order_by("coder__username", "onset", "pk")
    lanes: dict[str, list] = {}
    gold = []
    for event in others:
        data = EventSerializer(event).data
        if event.status == CodingEvent.Status.REVIEWED:
            gold.append(data)
        else:
            lanes.setdefault(event.coder.username, []).append(data)
    named = [{"name": name, "gold": False, "events": events} for name, events in lanes.items()]
    return named + [{"name": GOLD_LANE, "gold": True, "events": gold}]
