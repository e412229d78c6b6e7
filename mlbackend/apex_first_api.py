"""Apex-first assist for the coding workspace: queue a proposal of onset and offset for a marked apex, then read it.

POST /api/clips/<id>/propose-interval/ {apex, kind} -> 202 {job, status, ...}: a "propose" job, run by a worker
(the proposal measures optical flow: no cv2 in a web request). GET /api/clips/<id>/propose-interval/<job>/ ->
the job's state and, once it succeeded, the proposed onset and offset.
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from annotator.selectors.access import clip_for_user
from mlbackend.services.apex_first import KINDS, propose_job, propose_start, propose_state


class ProposeRequestSerializer(serializers.Serializer):
    apex = serializers.IntegerField(min_value=0, help_text="The apex frame id; must lie inside the clip.")
    kind = serializers.ChoiceField(choices=KINDS, default="micro",
                                   help_text="micro looks 0.5 s either side of the apex, macro 2 s.")


class ProposalSerializer(serializers.Serializer):
    job = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["queued", "running", "succeeded", "failed", "cancelled"])
    progress = serializers.FloatField()
    error = serializers.CharField(allow_blank=True)
    apex = serializers.IntegerField()
    kind = serializers.CharField()
    onset = serializers.IntegerField(allow_null=True, help_text="Proposed onset frame; null until the job succeeded.")
    offset = serializers.IntegerField(allow_null=True, help_text="Proposed offset frame; null until the job succeeded.")


class ProposeIntervalApi(APIView):
    @extend_schema(request=ProposeRequestSerializer, responses={202: ProposalSerializer})
    def post(self, request, clip_id: int):
        clip, _role = clip_for_user(request.user, clip_id)
        body = ProposeRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            job = propose_start(clip=clip, apex=body.validated_data["apex"], kind=body.validated_data["kind"],
                                created_by=request.user)
        except ValueError as exc:
            raise ValidationError({"detail": str(exc)}) from None
        return Response(ProposalSerializer(propose_state(job)).data, status=status.HTTP_202_ACCEPTED)


class ProposalDetailApi(APIView):
    @extend_schema(responses=ProposalSerializer)
    def get(self, request, clip_id: int, job_id: int):
        clip, role = clip_for_user(request.user, clip_id)
        job = propose_job(clip=clip, job_id=job_id, user=request.user, role=role)
        if job is None:
            raise Http404("No such proposal on this clip.")
        return Response(ProposalSerializer(propose_state(job)).data)
