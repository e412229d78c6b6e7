"""Frame images: the hot path of the workspace, kept to one membership query and one file read.

A plain Django view rather than DRF: it is called for every frame a coder steps to.
"""

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from rest_framework.exceptions import AuthenticationFailed

from annotator.api.authentication import ExpiringTokenAuthentication
from annotator.media.framestore import FrameStore
from annotator.models import Clip
from annotator.selectors.access import clip_frame_access
from annotator.services.audit import media_view_record

# Frames of one ingest never change, so a URL that names the ingest generation (?g=) may be kept for good;
# without it the browser revalidates, since a re-ingest gives the same URL new frames.
CACHE_CONTROL = "private, max-age=31536000, immutable"
CACHE_CONTROL_UNVERSIONED = "private, no-cache"
BLOCK = 16  # frames per block response


def request_user(request):
    """The session user, or the owner of an `Authorization: Token` header; None when neither."""
    if request.user.is_authenticated:
        return request.user
    try:
        found = ExpiringTokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    return found[0] if found else None


def json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status, headers={"Cache-Control": "no-store"})


def _clip_access(request, clip_id: int):
    """(frame count, ingest generation asked for or None) after the membership check, or the error response.
    The first access of a session (or token) to a clip is audited here, whichever image route it takes."""
    user = request_user(request)
    if user is None:
        return json_error("Log in to see frames.", 401)
    access = clip_frame_access(user, clip_id)
    if access is None:
        return json_error("No such clip.", 404)
    frame_count, status, generation = access
    if status != Clip.Status.READY:
        return json_error("This clip is not ready yet.", 404)
    asked = request.GET.get("g")
    if asked is not None and asked != str(generation):
        return json_error("These frames belong to an earlier ingest of the clip; reload the page.", 404)
    media_view_record(request=request, user=user, clip_id=clip_id)
    return frame_count, asked


def serve_clip_image(request, clip_id: int, frame_id: int, path_for: Callable[[int], Path], missing: str
                     ) -> HttpResponse:
    """Any per-frame image of a clip (frame, face, analysis views), after the membership check."""
    access = _clip_access(request, clip_id)
    if isinstance(access, HttpResponse):
        return access
    frame_count, asked = access
    if not 0 <= frame_id < frame_count:
        return json_error(f"Frame {frame_id} is outside the clip (frames 0 to {frame_count - 1}).", 404)
    path = path_for(frame_id)
    cache = CACHE_CONTROL if asked is not None else CACHE_CONTROL_UNVERSIONED
    headers = {"Cache-Control": cache, "X-Frame-Id": str(frame_id)}
    if settings.MESTUDIO_ACCEL_REDIRECT_PREFIX:
        if not path.exists():
            return json_error(missing, 404)
        relative = path.relative_to(settings.MEDIA_ROOT).as_posix()
        headers["X-Accel-Redirect"] = f"{settings.MESTUDIO_ACCEL_REDIRECT_PREFIX.rstrip('/')}/{relative}"
        return HttpResponse(content_type="image/jpeg", headers=headers)
    try:
        body = path.read_bytes()
    except FileNotFoundError:
        return json_error(missing, 404)
    return HttpResponse(body, content_type="image/jpeg", headers=headers)


def serve_clip_block(request, clip_id: int, block: int, path_for: Callable[[int], Path]) -> HttpResponse:
    """BLOCK consecutive images in one response (frames block*BLOCK onwards): the workspace fetches the frames
    around a jump in one round trip and decodes each with createImageBitmap. The body is the JPEGs back to back;
    X-Frame-Lengths gives each one's length in bytes, 0 for a missing file."""
    access = _clip_access(request, clip_id)
    if isinstance(access, HttpResponse):
        return access
    frame_count, asked = access
    first = block * BLOCK
    if not 0 <= first < frame_count:
        return json_error(f"Block {block} is outside the clip (frames 0 to {frame_count - 1}).", 404)
    parts = []
    for frame_id in range(first, min(first + BLOCK, frame_count)):
        try:
            parts.append(path_for(frame_id).read_bytes())
        except FileNotFoundError:
            parts.append(b"")
    headers = {
        "Cache-Control": CACHE_CONTROL if asked is not None else CACHE_CONTROL_UNVERSIONED,
        "X-First-Frame": str(first), "X-Frame-Lengths": ",".join(str(len(part)) for part in parts),
    }
    return HttpResponse(b"".join(parts), content_type="application/octet-stream", headers=headers)


@login_not_required
@require_GET
def frame_image(request, clip_id: int, frame_id: int):
    store = FrameStore(settings.MEDIA_ROOT, clip_id)
    return serve_clip_image(request, clip_id, frame_id, store.frame_path, "Frame file missing; re-ingest the clip.")


@login_not_required
@require_GET
def face_image(request, clip_id: int, frame_id: int):
    store = FrameStore(settings.MEDIA_ROOT, clip_id)
    return serve_clip_image(request, clip_id, frame_id, store.face_path, "No aligned face for this frame.")


@login_not_required
@require_GET
def frame_block(request, clip_id: int, block: int):
    return serve_clip_block(request, clip_id, block, FrameStore(settings.MEDIA_ROOT, clip_id).frame_path)


@login_not_required
@require_GET
def face_block(request, clip_id: int, block: int):
    return serve_clip_block(request, clip_id, block, FrameStore(settings.MEDIA_ROOT, clip_id).face_path)
