from django.conf import settings
from django.db import models

from annotator.facs import DEFAULT_AU_SET, DEFAULT_EMOTIONS


def default_emotions() -> list[str]:
    return list(DEFAULT_EMOTIONS)


def default_au_set() -> list[int]:
    return list(DEFAULT_AU_SET)


def default_event_kinds() -> list[str]:
    return ["micro", "macro"]


class Project(models.Model):
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    emotion_labels = models.JSONField(default=default_emotions)
    au_set = models.JSONField(default=default_au_set)
    default_fps = models.FloatField(default=200.0)
    event_kinds = models.JSONField(default=default_event_kinds, help_text="The event kinds coders may choose.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", "Lab lead"
        CODER = "coder", "Coder"
        REVIEWER = "reviewer", "Reviewer"
        VIEWER = "viewer", "Viewer"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CODER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="one_membership_per_user")]

    def __str__(self) -> str:
        return f"{self.user} in {self.project} as {self.role}"
