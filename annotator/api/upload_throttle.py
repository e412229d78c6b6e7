"""The per-user upload rate: one throttle for the upload API and the upload form alike.

Each accepted upload request queues decode work for every file in it, so the rate is counted per
user, across both doors, in DRF's throttle history (the default cache).
"""

from django.conf import settings
from rest_framework.throttling import UserRateThrottle


class UploadRateThrottle(UserRateThrottle):
    scope = "clip_upload"

    def get_rate(self) -> str:
        # Read at every request, from MESTUDIO_INGEST with the other ingest limits (README, "Limits").
        return settings.MESTUDIO_INGEST["UPLOAD_RATE"]


def upload_refusal(request) -> str:
    """'' when `request` may upload now; otherwise the message that says when it may again."""
    throttle = UploadRateThrottle()
    if throttle.allow_request(request, None):
        return ""
    wait = throttle.wait()
    return (f"Too many uploads: this server takes {throttle.rate} per user. "
            f"Try again in {int(wait) + 1 if wait else 1} s.")
