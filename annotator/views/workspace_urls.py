"""The endpoints the workspace's scripts call, handed over by the page so no script hard-codes a route.

The ML backend's routes are looked up by name: annotator never imports mlbackend, and a site without it
simply hands over no ML endpoints (the scripts then say the feature is unavailable).
"""

from django.urls import NoReverseMatch, reverse

ID = 999_999_999  # stands for a per-call id; the scripts put theirs in place of "{id}"

# name in the page -> (route name, takes the clip id, takes a per-call id)
ROUTES = {
    "frame": ("api-frame", True, True),
    "face": ("api-face", True, True),
    "frameBlock": ("api-frame-block", True, True),
    "faceBlock": ("api-face-block", True, True),
    "events": ("api-clip-events", True, False),
    "event": ("api-event", False, True),
    "predictions": ("api-clip-predictions", True, False),
    "accept": ("api-prediction-accept", False, True),
    "analysis": ("api-clip-analysis", True, False),
    "flow": ("api-clip-flow", True, True),
    "magnified": ("api-clip-magnified", True, True),
    "propose": ("api-clip-propose-interval", True, False),
    "proposal": ("api-clip-proposal", True, True),
    "gold": ("api-clip-gold", True, False),
    "comments": ("api-event-comments", False, True),
    "submit": ("api-clip-submit", True, False),
}


def workspace_urls(clip) -> dict[str, str]:
    urls = {}
    for name, (route, takes_clip, takes_id) in ROUTES.items():
        args = ([clip.pk] if takes_clip else []) + ([ID] if takes_id else [])
        try:
            urls[name] = reverse(route, args=args).replace(str(ID), "{id}")
        except NoReverseMatch:
            continue
    return urls
