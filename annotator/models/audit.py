"""Who did what and when: append-only audit rows, and comment threads on coding events."""

from django.conf import settings
from django.db import models

from annotator.models.event import CodingEvent
from annotator.models.project import Project


class AuditEntry(models.Model):
    """One thing a person did that a lab must be able to show later. Rows are only ever added: `save` refuses
    to change a stored row and `delete` refuses outright (code changes live in EventRevision, also append-only).
    """

    class Action(models.TextChoices):
        MEDIA_VIEW = "media.view", "opened a clip's frames"
        IMPORT = "import", "started an import"
        EXPORT = "export", "started an export"
        EXPORT_DOWNLOAD = "export.download", "downloaded an export"
        ROLE_CHANGE = "role.change", "changed a role"
        JOB_START = "job.start", "started a job"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=24, choices=Action.choices, db_index=True)
    project = models.ForeignKey(Project, null=True, on_delete=models.SET_NULL, related_name="audit_entries")
    object_type = models.CharField(max_length=32, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit entries are append-only: a stored row is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are append-only: a stored row is never deleted.")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.action} {self.object_type} {self.object_id}"


class EventComment(models.Model):
    """One message in the discussion of a coding event (adjudication); seen by whoever may see the event."""

    event = models.ForeignKey(CodingEvent, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event_id", "created_at", "id"]
