"""Every error the services raise becomes a clear JSON answer, never a 500."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from annotator.api.serializers import EventConflictSerializer
from annotator.services.events import EventConflict


def _messages(error: DjangoValidationError):
    if hasattr(error, "error_dict"):
        return {field: [str(m) for e in errors for m in e.messages] for field, errors in error.error_dict.items()}
    return {"detail": error.messages}


def exception_handler(exc, context):
    if isinstance(exc, EventConflict):
        body = EventConflictSerializer({
            "detail": "Someone saved this event after you loaded it. Both versions are shown; nothing was overwritten.",
            "current": exc.current,
        })
        return Response(body.data, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        return Response(_messages(exc), status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
