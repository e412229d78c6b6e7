"""Coding-study routes for the workspace: a clip's coding status per coder, submitting one's coding, the next
clip of one's queue. Thin: selectors and services do the work."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from annotator.models import Assignment
from annotator.selectors.access import clip_for_user, project_for_user
from annotator.selectors.assignments import coding_status_by_clip, next_assignment
from annotator.services.assignments import coding_submit


class AssignmentStatusSerializer(serializers.ModelSerializer):
    coder = serializers.CharField(source="coder.username")

    class Meta:
        model = Assignment
        fields = ["id", "clip", "coder", "status", "blind", "priority", "due", "submitted_at"]


class SubmitResultSerializer(serializers.Serializer):
    submitted_events = serializers.IntegerField()
    assignments = AssignmentStatusSerializer(many=True)


class NextClipSerializer(serializers.Serializer):
    clip = serializers.IntegerField(allow_null=True)
    workspace = serializers.CharField(allow_null=True)


class ClipCodingApi(APIView):
    @extend_schema(responses=AssignmentStatusSerializer(many=True))
    def get(self, request, clip_id: int):
        """Each coder's status on the clip (names and states only, never codes)."""
        clip, _ = clip_for_user(request.user, clip_id)
        return Response(AssignmentStatusSerializer(coding_status_by_clip([clip.pk]).get(clip.pk, []), many=True).data)


class ClipSubmitApi(APIView):
    @extend_schema(request=None, responses=SubmitResultSerializer)
    def post(self, request, clip_id: int):
        """Submit the caller's coding of the clip: their drafts become submitted, their assignment submitted."""
        clip, _ = clip_for_user(request.user, clip_id)
        count = coding_submit(clip=clip, user=request.user)
        rows = coding_status_by_clip([clip.pk]).get(clip.pk, [])
        return Response({"submitted_events": count, "assignments": AssignmentStatusSerializer(rows, many=True).data})


class NextClipApi(APIView):
    @extend_schema(responses=NextClipSerializer)
    def get(self, request, project_id: int):
        """The next clip of the caller's queue in the project (null when the queue is empty)."""
        project = project_for_user(request.user, project_id)
        assignment = next_assignment(request.user, project)
        clip_id = assignment.clip_id if assignment else None
        return Response({"clip": clip_id, "workspace": f"/clips/{clip_id}/" if clip_id else None})
