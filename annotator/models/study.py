"""Coding studies: who codes which clip (assignments, blind double coding) and where a model is least sure."""

from django.conf import settings
from django.db import models

from annotator.models.clip import Clip


class Assignment(models.Model):
    """One coder's task on one clip. A clip assigned to two or more coders at once is blind: each coder sees
    only their own codes on it until every blind assignment of the clip is submitted (permissions.py)."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "not started"
        IN_PROGRESS = "in_progress", "in progress"
        SUBMITTED = "submitted"

    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="assignments")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    blind = models.BooleanField(default=False, help_text="Part of a blind double coding of the clip.")
    priority = models.IntegerField(default=0, help_text="Higher first in the coder's queue.")
    due = models.DateField(null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-priority", "due", "id"]
        constraints = [models.UniqueConstraint(fields=["clip", "coder"], name="one_assignment_per_coder_and_clip")]

    def __str__(self) -> str:
        return f"clip {self.clip_id} to {self.coder} ({self.status})"


class ClipUncertainty(models.Model):
    """How unsure a project's active model(s) are about a clip; the coder queue puts unsure clips first.

    Written by the ML backend's pre-annotation (annotator never imports it), one row per clip and model source
    (the plugin name), cleared when that plugin's active model changes."""

    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="uncertainties")
    source = models.CharField(max_length=64, help_text="The model that judged, e.g. its plugin name.")
    top_probability = models.FloatField(help_text="The lowest top-class probability over the clip's predictions.")
    top_label = models.CharField(max_length=64, blank=True, help_text="The model's most likely label for the clip.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clip", "source"], name="one_uncertainty_per_clip_source")]
