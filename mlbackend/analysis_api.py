"""A clip's analysis for the coding workspace: its state and motion curve, starting it, and its images.

The images are served like frame images (annotator/api/frames.py): one membership query, one file read, private
immutable caching, a JSON message when there is nothing to serve.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from annotator.api.frames import serve_clip_image
from annotator.selectors.access import clip_for_user
from mlbackend.services.analysis import AnalysisStore, analysis_start, analysis_state


class AnalysisSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["none", "queued", "running", "ready", "failed"])
    job = serializers.IntegerField(allow_null=True)
    progress = serializers.FloatField()
    error = serializers.CharField(allow_blank=True)
    curve = serializers.ListField(child=serializers.FloatField(), required=False,
                                  help_text="Motion per frame against its reference, in pixels of the 128 px face.")
    reference = serializers.DictField(required=False, help_text='{"kind": "first", "frame": 0} or '
                                      '{"kind": "sliding", "frames": k, "seconds": 0.25}')
    region = serializers.DictField(required=False, help_text='{"source": "face"} or {"source": "frame", "box": '
                                   "[x0, y0, x1, y1]}: where the flow colour lies on the picture")
    unit = serializers.CharField(required=False)
    flow_scale = serializers.FloatField(required=False)
    magnify = serializers.DictField(required=False)


class ClipAnalysisApi(APIView):
    @extend_schema(responses=AnalysisSerializer)
    def get(self, request, clip_id: int):
        clip, _role = clip_for_user(request.user, clip_id)
        return Response(AnalysisSerializer(analysis_state(clip)).data)

    @extend_schema(request=None, responses={200: AnalysisSerializer, 202: AnalysisSerializer})
    def post(self, request, clip_id: int):
        clip, _role = clip_for_user(request.user, clip_id)
        try:
            state, created = analysis_start(clip=clip, created_by=request.user)
        except ValueError as exc:
            raise ValidationError({"detail": str(exc)}) from None
        code = status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
        return Response(AnalysisSerializer(state).data, status=code)


MISSING = {"flow": "No flow colour yet: the clip's analysis has not run.",
           "magnified": "No magnified frame yet: the clip's analysis has not run."}


def _serve(request, clip_id: int, frame_id: int, kind: str) -> HttpResponse:
    store = AnalysisStore(clip_id)
    path_for = store.flow_path if kind == "flow" else store.magnified_path
    return serve_clip_image(request, clip_id, frame_id, path_for, MISSING[kind])


@login_not_required
@require_GET
def flow_image(request, clip_id: int, frame_id: int):
    return _serve(request, clip_id, frame_id, "flow")


@login_not_required
@require_GET
def magnified_image(request, clip_id: int, frame_id: int):
    return _serve(request, clip_id, frame_id, "magnified")
