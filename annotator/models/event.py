from django.conf import settings
from django.db import models

from annotator.models.clip import Clip


class CodingEvent(models.Model):
    """One coder's FACS code for one movement: frames are decoder frame ids, inclusive."""

    class Kind(models.TextChoices):
        MICRO = "micro"
        MACRO = "macro"

    class Status(models.TextChoices):
        DRAFT = "draft"
        SUBMITTED = "submitted"
        REVIEWED = "reviewed"

    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="events")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="coding_events")
    onset = models.PositiveIntegerField()
    apex = models.PositiveIntegerField(null=True, blank=True)
    offset = models.PositiveIntegerField()
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.MICRO)
    emotion = models.CharField(max_length=64, blank=True)
    aus = models.JSONField(default=list, help_text='[{"number": 12, "side": "R", "intensity": "C"}]')
    aus_raw = models.CharField(max_length=200, blank=True, help_text="The AU text as an imported sheet wrote it.")
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(default=1)
    derived_from = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="gold_events",
                                          help_text="For a gold (reviewed) event: the coders' events it settles.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["clip_id", "onset", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(onset__lte=models.F("offset")), name="event_onset_le_offset"),
        ]

    def __str__(self) -> str:
        return f"event {self.pk} on clip {self.clip_id} [{self.onset}-{self.offset}]"


class EventRevision(models.Model):
    """Append-only history: one row per create, update or delete, with the full state after it."""

    class Action(models.TextChoices):
        CREATE = "create"
        UPDATE = "update"
        DELETE = "delete"
        RESTORE = "restore"

    event_id_value = models.BigIntegerField(db_index=True, help_text="Kept when the event itself is deleted.")
    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="event_revisions")
    action = models.CharField(max_length=8, choices=Action.choices)
    version = models.PositiveIntegerField()
    snapshot = models.JSONField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event_id_value", "version", "id"]
