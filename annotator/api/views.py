"""Thin API views: parse, call a selector or a service, serialise."""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from annotator.api import serializers as s
from annotator.api.upload_throttle import UploadRateThrottle
from annotator.permissions import can_code, can_manage
from annotator.selectors.access import (
    clip_for_user, event_for_user, event_history_for_user, events_visible, job_for_user, project_for_user,
    projects_for_user,
)
from annotator.selectors.clips import clips_of_project
from annotator.services.clips import clip_create_from_uploads
from annotator.services.events import event_create, event_delete, event_update
from annotator.services.projects import project_create, subject_create, subject_get_or_create


class ProjectListApi(APIView):
    @extend_schema(responses=s.ProjectSerializer(many=True))
    def get(self, request):
        return Response(s.ProjectSerializer(projects_for_user(request.user), many=True).data)

    @extend_schema(request=s.ProjectCreateSerializer, responses={201: s.ProjectSerializer})
    def post(self, request):
        if not request.user.is_staff:
            raise PermissionDenied("Only site administrators create projects.")
        data = s.ProjectCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = project_create(created_by=request.user, **data.validated_data)
        return Response(s.ProjectSerializer(project_for_user(request.user, project.pk)).data, status=201)


class ProjectDetailApi(APIView):
    @extend_schema(responses=s.ProjectSerializer)
    def get(self, request, project_id: int):
        return Response(s.ProjectSerializer(project_for_user(request.user, project_id)).data)


class SubjectListApi(APIView):
    @extend_schema(responses=s.SubjectSerializer(many=True))
    def get(self, request, project_id: int):
        project = project_for_user(request.user, project_id)
        return Response(s.SubjectSerializer(project.subjects.all(), many=True).data)

    @extend_schema(request=s.SubjectSerializer, responses={201: s.SubjectSerializer})
    def post(self, request, project_id: int):
        project = project_for_user(request.user, project_id)
        if not can_manage(project.role):
            raise PermissionDenied("Only the project lead adds subjects.")
        data = s.SubjectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subject = subject_create(project=project, **data.validated_data)
        return Response(s.SubjectSerializer(subject).data, status=201)


class ClipListApi(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_throttles(self):
        return [UploadRateThrottle()] if self.request.method == "POST" else super().get_throttles()

    @extend_schema(responses=s.ClipSerializer(many=True))
    def get(self, request, project_id: int):
        project = project_for_user(request.user, project_id)
        return Response(s.ClipSerializer(clips_of_project(project), many=True).data)

    @extend_schema(request={"multipart/form-data": s.ClipUploadSerializer}, responses={202: s.ClipSerializer(many=True)})
    def post(self, request, project_id: int):
        project = project_for_user(request.user, project_id)
        if not can_code(project.role):
            raise PermissionDenied("Your role in this project does not allow uploads.")
        data = s.ClipUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        subject = subject_get_or_create(project=project, code=fields["subject"])
        clips = clip_create_from_uploads(
            project=project, subject=subject, files=fields["files"], created_by=request.user,
            as_frame_folder=fields["as_frame_folder"], folder_name=fields["folder_name"], fps=fields.get("fps"),
        )
        return Response(s.ClipSerializer(clips, many=True).data, status=status.HTTP_202_ACCEPTED)


class ClipDetailApi(APIView):
    @extend_schema(responses=s.ClipSerializer)
    def get(self, request, clip_id: int):
        clip, _ = clip_for_user(request.user, clip_id)
        return Response(s.ClipSerializer(clip).data)


class ClipEventListApi(APIView):
    @extend_schema(responses=s.EventSerializer(many=True))
    def get(self, request, clip_id: int):
        clip, role = clip_for_user(request.user, clip_id)
        return Response(s.EventSerializer(events_visible(request.user, clip, role), many=True).data)

    @extend_schema(request=s.EventWriteSerializer, responses={201: s.EventSerializer})
    def post(self, request, clip_id: int):
        clip, _ = clip_for_user(request.user, clip_id)
        data = s.EventWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = event_create(clip=clip, coder=request.user, **data.validated_data)
        return Response(s.EventSerializer(event).data, status=201)


class EventDetailApi(APIView):
    @extend_schema(responses=s.EventSerializer)
    def get(self, request, event_id: int):
        event, _ = event_for_user(request.user, event_id)
        return Response(s.EventSerializer(event).data)

    @extend_schema(request=s.EventPatchSerializer, responses={200: s.EventSerializer, 409: s.EventSerializer})
    def patch(self, request, event_id: int):
        data = s.EventPatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "version" not in changes:
            return Response({"version": ["Send the version you loaded."]}, status=400)
        version = changes.pop("version")
        event = event_update(event_id=event_id, user=request.user, version=version, changes=changes)
        return Response(s.EventSerializer(event).data)

    @extend_schema(request=s.EventDeleteSerializer, responses={204: None})
    def delete(self, request, event_id: int):
        data = s.EventDeleteSerializer(data=request.data or request.query_params)
        data.is_valid(raise_exception=True)
        event_delete(event_id=event_id, user=request.user, version=data.validated_data["version"])
        return Response(status=204)


class EventHistoryApi(APIView):
    @extend_schema(responses=s.EventRevisionSerializer(many=True))
    def get(self, request, event_id: int):
        revisions = event_history_for_user(request.user, event_id)
        return Response(s.EventRevisionSerializer(revisions, many=True).data)


class JobDetailApi(APIView):
    @extend_schema(responses=s.JobSerializer)
    def get(self, request, job_id: int):
        job, _ = job_for_user(request.user, job_id)
        return Response(s.JobSerializer(job).data)
