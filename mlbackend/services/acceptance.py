"""Accepting a suggestion: it becomes (part of) the coder's own event, and the source is recorded."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404

from annotator.models import CodingEvent
from annotator.services.events import event_create, event_update
from mlbackend.models import Prediction, PredictionAcceptance
from mlbackend.selectors import prediction_for_user

AU_ACCEPT_THRESHOLD = 0.5


def suggested_fields(prediction: Prediction, project) -> dict:
    fields = {"onset": prediction.onset, "apex": prediction.apex, "offset": prediction.offset}
    if prediction.emotion and prediction.emotion in project.emotion_labels:
        fields["emotion"] = prediction.emotion
    aus = [{"number": int(number), "side": "both", "intensity": None}
           for number, probability in prediction.au_probs.items()
           if probability >= AU_ACCEPT_THRESHOLD and int(number) in project.au_set]
    if aus:
        fields["aus"] = aus
    return fields


def merged_aus(own: list[dict], suggested: list[dict]) -> list[dict]:
    """Add suggested AUs the coder has not coded; the coder's own sides and intensities stay."""
    coded = {au["number"] for au in own}
    return list(own) + [au for au in suggested if au["number"] not in coded]


@transaction.atomic
def prediction_accept(*, prediction_id: int, user, event_id: int | None = None, version: int | None = None,
                      fields: list[str] | None = None) -> CodingEvent:
    """Into an existing event of the user's (only the named fields, default: labels, not timing), or as a new event.

    Filling an event needs the version the client loaded, as every other edit does (409 when it is stale).
    A suggestion or an event the user may not use answers 404, the same as a missing one.
    """
    prediction = prediction_for_user(user, prediction_id)
    suggestion = suggested_fields(prediction, prediction.clip.project)
    if event_id is None:
        event = event_create(clip=prediction.clip, coder=user, kind=prediction.kind, **suggestion)
        taken = sorted(suggestion)
    else:
        if version is None:
            raise ValidationError({"version": "Send the version of the event you loaded."})
        event = CodingEvent.objects.filter(pk=event_id, clip=prediction.clip, coder=user).first()
        if event is None:
            raise Http404("No such event.")
        wanted = fields or [name for name in ("emotion", "aus") if name in suggestion]
        changes = {name: suggestion[name] for name in wanted if name in suggestion}
        if "aus" in changes:
            changes["aus"] = merged_aus(event.aus, changes["aus"])
        if not changes:
            raise ValidationError({"fields": "This suggestion has nothing to take for those fields."})
        event = event_update(event_id=event.pk, user=user, version=version, changes=changes)
        taken = sorted(changes)
    PredictionAcceptance.objects.create(prediction=prediction, event=event, accepted_by=user, fields=taken)
    return event
