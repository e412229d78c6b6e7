from django.conf import settings
from django.db import models


class Export(models.Model):
    """One export of a project's codes: who, when, what format, which filters, how many rows, and the file."""

    class Status(models.TextChoices):
        PENDING = "pending"  # queued as a job
        READY = "ready"
        FAILED = "failed"

    project = models.ForeignKey("annotator.Project", on_delete=models.CASCADE, related_name="exports")
    format = models.CharField(max_length=32)
    filters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    row_count = models.PositiveIntegerField(default=0)
    subjects_excluded = models.JSONField(default=list, blank=True, help_text="Codes of subjects left out: no consent.")
    consent_override = models.TextField(blank=True, help_text="The lead's written reason to include subjects "
                                                               "without recorded consent; empty when none.")
    file_name = models.CharField(max_length=120, blank=True, help_text="Under MEDIA_ROOT/exports/; built from ids.")
    size_bytes = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    job = models.ForeignKey("annotator.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.format} export {self.pk} of project {self.project_id}"
