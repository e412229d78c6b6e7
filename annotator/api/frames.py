"""Frame images: the hot path of the workspace, kept to one membership query and one file read.

A plain Django view rather than DRF: it is called for every frame a coder steps to.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from annotator.media.framestore import FrameStore
from annotator.models import Clip
from annotator.selectors.access import clip_frame_access

# Frames of a clip never change after ingest, so the browser may keep them.
CACHE_CONTROL = "private, max-age=31536000, immutable"


def _user(request):
    if request.user.is_authenticated:
        return request.user
    try:
        found = TokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    return found[0] if found else None


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


def _serve(request, clip_id: int, frame_id: int, faces: bool) -> HttpResponse:
    user = _user(request)
    if user is None:
        return _error("Log in to see frames.", 401)
    access = clip_frame_access(user, clip_id)
    if access is None:
        return _error("No such clip.", 404)
    frame_count, status = access
    if status != Clip.Status.READY:
        return _error("This clip is not ready yet.", 404)
    if not 0 <= frame_id < frame_count:
        return _error(f"Frame {frame_id} is outside the clip (frames 0 to {frame_count - 1}).", 404)
    store = FrameStore(settings.MEDIA_ROOT, clip_id)
    path = store.face_path(frame_id) if faces else store.frame_path(frame_id)
    headers = {"Cache-Control": CACHE_CONTROL, "X-Frame-Id": str(frame_id)}
    if settings.MESTUDIO_ACCEL_REDIRECT_PREFIX:
        relative = path.relative_to(settings.MEDIA_ROOT).as_posix()
        headers["X-Accel-Redirect"] = f"{settings.MESTUDIO_ACCEL_REDIRECT_PREFIX.rstrip('/')}/{relative}"
        return HttpResponse(content_type="image/jpeg", headers=headers)
    try:
        body = path.read_bytes()
    except FileNotFoundError:
        return _error("No aligned face for this frame." if faces else "Frame file missing; re-ingest the clip.", 404)
    return HttpResponse(body, content_type="image/jpeg", headers=headers)


@login_not_required
@require_GET
def frame_image(request, clip_id: int, frame_id: int):
    return _serve(request, clip_id, frame_id, faces=False)


@login_not_required
@require_GET
def face_image(request, clip_id: int, frame_id: int):
    return _serve(request, clip_id, frame_id, faces=True)
