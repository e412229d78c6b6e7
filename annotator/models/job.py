from django.conf import settings
from django.db import models

from annotator.jobkinds import MAX_NAME_LENGTH, job_kind_label


class Job(models.Model):
    """Every background task is a row: what runs, how far it got, and what went wrong."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    # Registered by the app that runs it (annotator/jobkinds.py): no choices, so no migration per kind.
    kind = models.CharField(max_length=MAX_NAME_LENGTH)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField(default=0.0)
    message = models.CharField(max_length=300, blank=True)
    log = models.TextField(blank=True)
    error = models.TextField(blank=True)
    retryable = models.BooleanField(default=False, help_text="Failed for a reason outside the job (worker lost).")
    params = models.JSONField(default=dict, blank=True)
    project = models.ForeignKey("annotator.Project", null=True, on_delete=models.CASCADE, related_name="jobs")
    clip = models.ForeignKey("annotator.Clip", null=True, blank=True, on_delete=models.CASCADE, related_name="jobs")
    device = models.CharField(max_length=16, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    retried_at = models.DateTimeField(null=True, blank=True, help_text="Set once, by the one retry of this job.")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} job {self.pk} ({self.status})"

    @property
    def kind_label(self) -> str:
        return job_kind_label(self.kind)

    @property
    def is_active(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING}
