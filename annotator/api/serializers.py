from rest_framework import serializers

from annotator.facs import INTENSITIES, SIDES
from annotator.models import Clip, CodingEvent, EventRevision, Job, Project, Subject


class ProjectSerializer(serializers.ModelSerializer):
    role = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Project
        fields = ["id", "name", "description", "emotion_labels", "au_set", "default_fps", "role", "created_at"]
        read_only_fields = ["id", "role", "created_at"]


class ProjectCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    emotion_labels = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
    au_set = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=99), required=False)
    default_fps = serializers.FloatField(required=False, default=200.0)


class SubjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Subject
        fields = ["id", "code", "consent_given", "consent_date", "notes", "created_at"]
        read_only_fields = ["id", "created_at"]


class JobSerializer(serializers.ModelSerializer):
    class Meta:
        model = Job
        fields = ["id", "kind", "status", "progress", "message", "log", "error", "device", "worker",
                  "project", "clip", "created_at", "started_at", "finished_at", "heartbeat_at"]


class ClipSerializer(serializers.ModelSerializer):
    subject = serializers.CharField(source="subject.code", read_only=True)
    frame_count_mismatch = serializers.BooleanField(read_only=True)

    class Meta:
        model = Clip
        fields = ["id", "project", "subject", "name", "source_kind", "fps", "frame_count", "container_frame_count",
                  "frame_count_mismatch", "truncated", "width", "height", "codec", "checksum", "status", "error",
                  "face_status", "face_method", "face_frame_count", "ingest_generation", "created_at"]


class ClipUploadSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=32, help_text="Subject code; created when new.")
    files = serializers.ListField(child=serializers.FileField(), allow_empty=False)
    as_frame_folder = serializers.BooleanField(default=False)
    folder_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    fps = serializers.FloatField(required=False, allow_null=True, min_value=1, max_value=10000)


class AUSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    side = serializers.ChoiceField(choices=SIDES, default="both")
    intensity = serializers.ChoiceField(choices=INTENSITIES, allow_null=True, required=False)


class EventSerializer(serializers.ModelSerializer):
    coder = serializers.CharField(source="coder.username", read_only=True)
    aus = AUSerializer(many=True)

    class Meta:
        model = CodingEvent
        fields = ["id", "clip", "coder", "onset", "apex", "offset", "kind", "emotion", "aus", "notes", "status",
                  "version", "created_at", "updated_at"]


class EventWriteSerializer(serializers.Serializer):
    onset = serializers.IntegerField(min_value=0)
    apex = serializers.IntegerField(min_value=0, allow_null=True, required=False)
    offset = serializers.IntegerField(min_value=0)
    kind = serializers.ChoiceField(choices=CodingEvent.Kind.choices, required=False)
    emotion = serializers.CharField(max_length=64, allow_blank=True, required=False)
    aus = AUSerializer(many=True, required=False)
    notes = serializers.CharField(allow_blank=True, required=False)
    status = serializers.ChoiceField(choices=CodingEvent.Status.choices, required=False)


class EventPatchSerializer(EventWriteSerializer):
    version = serializers.IntegerField(min_value=1, help_text="The version you loaded; a stale one answers 409.")
    onset = serializers.IntegerField(min_value=0, required=False)
    offset = serializers.IntegerField(min_value=0, required=False)


class EventDeleteSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


class EventRevisionSerializer(serializers.ModelSerializer):
    changed_by = serializers.CharField(source="changed_by.username", read_only=True)

    class Meta:
        model = EventRevision
        fields = ["id", "action", "version", "snapshot", "changed_by", "changed_at"]
