"""ML routes: plugins, jobs, model versions, predictions, reports. Thin views over services and selectors."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from annotator.api.serializers import EventSerializer, JobSerializer
from annotator.models import Job
from annotator.jobkinds import INGEST
from annotator.selectors.access import clip_for_user, job_for_user, jobs_for_user, project_for_user
from annotator.services.jobs import JobNotRetryable, job_cancel, job_retry
from mlbackend.models import EvaluationReport, ModelVersion, Prediction
from mlbackend.registry import get_plugin_class, plugin_names
from mlbackend.reports import visible_spotting
from mlbackend.selectors import predictions_for_clip, report_for_user
from mlbackend.services.acceptance import prediction_accept
from mlbackend.services.jobs import ml_job_create
from mlbackend.services.training import model_version_activate


class PluginSerializer(serializers.Serializer):
    name = serializers.CharField()
    version = serializers.CharField()
    capabilities = serializers.ListField(child=serializers.CharField())
    description = serializers.CharField()


class MlJobStartSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["preannotate", "train", "evaluate"])
    plugin = serializers.CharField()
    label_source = serializers.ChoiceField(choices=ModelVersion.LabelSource.values, default="reviewed")
    seed = serializers.IntegerField(default=0)
    evaluate = serializers.BooleanField(default=True)
    clips = serializers.ListField(child=serializers.IntegerField(), required=False)
    model_version = serializers.IntegerField(required=False, allow_null=True)
    labels = serializers.ListField(child=serializers.CharField(), required=False)
    plugin_params = serializers.DictField(required=False)
    protocol = serializers.ChoiceField(choices=["loso", "lovo"], default="loso",
                                       help_text="Evaluation split: leave-one-subject-out or leave-one-video-out.")


class ModelVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModelVersion
        fields = ["id", "plugin", "plugin_version", "version", "labels", "params", "label_source", "metrics",
                  "training", "active", "job", "created_at"]


class PredictionSerializer(serializers.ModelSerializer):
    model_version = serializers.CharField(source="model_version.version")
    plugin = serializers.CharField(source="model_version.plugin")
    emotion = serializers.CharField()
    accepted_event = serializers.IntegerField(read_only=True, allow_null=True,
                                              help_text="Your event this suggestion went into, if you took it.")

    class Meta:
        model = Prediction
        fields = ["id", "clip", "model_version", "plugin", "onset", "apex", "offset", "kind", "emotion",
                  "emotion_probs", "au_probs", "score", "accepted_event", "created_at"]


class AcceptSerializer(serializers.Serializer):
    event = serializers.IntegerField(required=False, allow_null=True, help_text="Your event to fill; none: a new one.")
    version = serializers.IntegerField(required=False, allow_null=True,
                                       help_text="The version of `event` you loaded; required with `event`.")
    fields = serializers.ListField(child=serializers.ChoiceField(choices=["onset", "apex", "offset", "emotion", "aus"]),
                                   required=False)


class ReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvaluationReport
        fields = ["id", "plugin", "plugin_version", "params", "label_source", "labels", "overall", "per_dataset",
                  "per_subject", "folds", "au_metrics", "spotting", "seed", "protocol", "model_version", "job", "created_at"]


class PluginListApi(APIView):
    @extend_schema(responses=PluginSerializer(many=True))
    def get(self, request):
        plugins = [get_plugin_class(name) for name in plugin_names()]
        return Response(PluginSerializer([{
            "name": p.name, "version": p.version, "capabilities": sorted(p.capabilities), "description": p.description,
        } for p in plugins], many=True).data)


class MlJobListApi(APIView):
    @extend_schema(responses=JobSerializer(many=True))
    def get(self, request, project_id: int):
        project = project_for_user(request.user, project_id)
        jobs = jobs_for_user(request.user, project).exclude(kind=INGEST)[:50]
        return Response(JobSerializer(jobs, many=True).data)

    @extend_schema(request=MlJobStartSerializer, responses={202: JobSerializer})
    def post(self, request, project_id: int):
        project = project_for_user(request.user, project_id)
        data = MlJobStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = ml_job_create(project=project, created_by=request.user, **data.validated_data)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class JobCancelApi(APIView):
    @extend_schema(request=None, responses=JobSerializer)
    def post(self, request, job_id: int):
        job, _ = job_for_user(request.user, job_id)
        return Response(JobSerializer(job_cancel(job=job, user=request.user)).data)


class JobRetryApi(APIView):
    @extend_schema(request=None, responses={202: JobSerializer})
    def post(self, request, job_id: int):
        job, _ = job_for_user(request.user, job_id)
        try:
            retry = job_retry(job=job, created_by=request.user)
        except JobNotRetryable as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(JobSerializer(retry).data, status=status.HTTP_202_ACCEPTED)


class ModelVersionListApi(APIView):
    @extend_schema(responses=ModelVersionSerializer(many=True))
    def get(self, request, project_id: int):
        project = project_for_user(request.user, project_id)
        return Response(ModelVersionSerializer(project.model_versions.all(), many=True).data)


class ModelVersionActivateApi(APIView):
    @extend_schema(request=None, responses=ModelVersionSerializer)
    def post(self, request, version_id: int):
        version = ModelVersion.objects.filter(pk=version_id, project__memberships__user=request.user).first()
        if version is None:
            raise Http404("No such model version.")
        return Response(ModelVersionSerializer(model_version_activate(version=version, user=request.user)).data)


class ClipPredictionListApi(APIView):
    @extend_schema(responses=PredictionSerializer(many=True),
                   parameters=[OpenApiParameter("all", bool, description="Also inactive model versions.")])
    def get(self, request, clip_id: int):
        clip, role = clip_for_user(request.user, clip_id)
        predictions = predictions_for_clip(clip, request.user, role, active_only=request.query_params.get("all") != "1")
        return Response(PredictionSerializer(predictions, many=True).data)


class PredictionAcceptApi(APIView):
    @extend_schema(request=AcceptSerializer, responses={200: EventSerializer})
    def post(self, request, prediction_id: int):
        data = AcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        event = prediction_accept(prediction_id=prediction_id, user=request.user, event_id=fields.get("event"),
                                  version=fields.get("version"), fields=fields.get("fields"))
        return Response(EventSerializer(event).data)


class ReportDetailApi(APIView):
    @extend_schema(responses=ReportSerializer)
    def get(self, request, report_id: int):
        report, detailed = report_for_user(request.user, report_id)
        return Response({**ReportSerializer(report).data, "spotting": visible_spotting(report, detailed=detailed)})
