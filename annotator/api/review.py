"""Review API: gold events, marking codes reviewed, comment threads, restoring an older version of an event."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from annotator.api.serializers import EventConflictSerializer, EventPatchSerializer, EventSerializer
from annotator.models import EventComment
from annotator.selectors.access import clip_for_user, event_for_user
from annotator.services.events import event_restore, event_undelete
from annotator.services.review import MAX_SOURCES, event_comment_create, event_mark_reviewed, gold_event_create


class GoldEventSerializer(EventSerializer):
    derived_from = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta(EventSerializer.Meta):
        fields = [*EventSerializer.Meta.fields, "derived_from"]


class GoldCreateSerializer(EventPatchSerializer):
    version = None
    status = None
    from_events = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=MAX_SOURCES,
                                        required=False, help_text="The coders' events this gold event settles.")


class MarkReviewedSerializer(serializers.Serializer):
    events = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=500)


class RestoreSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The older version to bring back.")
    expected_version = serializers.IntegerField(min_value=1, help_text="The version you loaded; stale answers 409.")


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True)

    class Meta:
        model = EventComment
        fields = ["id", "event", "author", "text", "created_at"]
        read_only_fields = ["id", "event", "author", "created_at"]


class GoldEventCreateApi(APIView):
    @extend_schema(request=GoldCreateSerializer, responses={201: GoldEventSerializer})
    def post(self, request, clip_id: int):
        clip, _ = clip_for_user(request.user, clip_id)
        data = GoldCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        event = gold_event_create(clip=clip, user=request.user, from_events=fields.pop("from_events", []), **fields)
        return Response(GoldEventSerializer(event).data, status=201)


class EventMarkReviewedApi(APIView):
    @extend_schema(request=MarkReviewedSerializer, responses=EventSerializer(many=True))
    def post(self, request):
        data = MarkReviewedSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changed = event_mark_reviewed(events=data.validated_data["events"], user=request.user)
        return Response(EventSerializer(changed, many=True).data)


class EventCommentListApi(APIView):
    @extend_schema(responses=CommentSerializer(many=True))
    def get(self, request, event_id: int):
        event, _ = event_for_user(request.user, event_id)
        return Response(CommentSerializer(event.comments.select_related("author"), many=True).data)

    @extend_schema(request=CommentSerializer, responses={201: CommentSerializer})
    def post(self, request, event_id: int):
        event, role = event_for_user(request.user, event_id)
        data = CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = event_comment_create(event=event, user=request.user, role=role, text=data.validated_data["text"])
        return Response(CommentSerializer(comment).data, status=201)


class EventRestoreApi(APIView):
    @extend_schema(request=RestoreSerializer, responses={200: EventSerializer, 409: EventConflictSerializer})
    def post(self, request, event_id: int):
        data = RestoreSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = event_restore(event_id=event_id, user=request.user, **data.validated_data)
        return Response(EventSerializer(event).data)


class EventUndeleteApi(APIView):
    @extend_schema(request=None, responses={201: EventSerializer})
    def post(self, request, event_id: int):
        """Bring a deleted event back under its id (its coder or the lead); its history gains a restore row."""
        return Response(EventSerializer(event_undelete(event_id=event_id, user=request.user)).data, status=201)
