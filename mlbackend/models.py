from django.conf import settings
from django.db import models


class ModelVersion(models.Model):
    """One trained model: its checkpoint, how it was trained, on which codes, and how well it did."""

    class LabelSource(models.TextChoices):
        SUBMITTED = "submitted", "submitted and reviewed codes"
        REVIEWED = "reviewed", "reviewed codes only"

    project = models.ForeignKey("annotator.Project", on_delete=models.CASCADE, related_name="model_versions")
    plugin = models.CharField(max_length=64)
    plugin_version = models.CharField(max_length=32)
    version = models.CharField(max_length=120, help_text="Stamped on every prediction: plugin-version+weights digest.")
    checkpoint = models.CharField(max_length=300, help_text="Path under MEDIA_ROOT.")
    labels = models.JSONField(default=list)
    params = models.JSONField(default=dict, blank=True)
    label_source = models.CharField(max_length=12, choices=LabelSource.choices, default=LabelSource.SUBMITTED)
    data_snapshot = models.JSONField(default=dict, help_text="Event ids and versions the model was trained on.")
    metrics = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=False)
    job = models.ForeignKey("annotator.Job", null=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "plugin"], condition=models.Q(active=True),
                                    name="one_active_version_per_plugin_and_project"),
        ]

    def __str__(self) -> str:
        return self.version


class Prediction(models.Model):
    """A model's suggestion for one movement on a clip, kept apart from human codes."""

    clip = models.ForeignKey("annotator.Clip", on_delete=models.CASCADE, related_name="predictions")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="predictions")
    onset = models.PositiveIntegerField()
    apex = models.PositiveIntegerField(null=True)
    offset = models.PositiveIntegerField()
    kind = models.CharField(max_length=8, default="micro")
    emotion_probs = models.JSONField(default=dict)
    au_probs = models.JSONField(default=dict)
    score = models.FloatField()
    # Whose timing the model recognised; null when a model found the movement itself. Deleting the event deletes
    # the suggestion: a null would make it look model-found and show that coder's timing to everyone.
    source_event = models.ForeignKey("annotator.CodingEvent", null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="+")
    job = models.ForeignKey("annotator.Job", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["clip_id", "onset", "id"]
        indexes = [models.Index(fields=["clip", "model_version"])]

    @property
    def emotion(self) -> str:
        return max(self.emotion_probs, key=self.emotion_probs.get) if self.emotion_probs else ""


class PredictionAcceptance(models.Model):
    """A coder took a suggestion into their own event: the coder stays the author, the source is kept."""

    prediction = models.ForeignKey(Prediction, on_delete=models.CASCADE, related_name="acceptances")
    event = models.ForeignKey("annotator.CodingEvent", null=True, on_delete=models.SET_NULL, related_name="+")
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    fields = models.JSONField(default=list, help_text="Which fields the suggestion filled.")
    accepted_at = models.DateTimeField(auto_now_add=True)


class EvaluationReport(models.Model):
    """Pooled leave-one-subject-out figures of one plugin configuration on one project's codes."""

    project = models.ForeignKey("annotator.Project", on_delete=models.CASCADE, related_name="evaluation_reports")
    plugin = models.CharField(max_length=64)
    plugin_version = models.CharField(max_length=32)
    params = models.JSONField(default=dict, blank=True)
    label_source = models.CharField(max_length=12, default=ModelVersion.LabelSource.SUBMITTED)
    labels = models.JSONField(default=list)
    overall = models.JSONField(default=dict)
    per_dataset = models.JSONField(default=dict)
    per_subject = models.JSONField(default=list)
    folds = models.JSONField(default=list)
    samples = models.JSONField(default=list)
    # AU detection (plugins with the "aus" capability): mlbackend.evaluation.au_metrics; {} otherwise
    au_metrics = models.JSONField(default=dict, blank=True)
    # Spotting (plugins with the "spotting" capability), MEGC rule, mlbackend.evaluation.spotting:
    # {"overall": {"micro", "macro", "overall": {tp, fp, fn, precision, recall, f1, ...}, "n_videos", ...},
    #  "per_dataset": {name: same}, "per_subject": [{subject, tp, fp, fn, f1}], "folds": [...], "videos": [...]};
    # {} for a plugin that does not spot.
    spotting = models.JSONField(default=dict, blank=True)
    seed = models.IntegerField(default=0)
    # "loso" (leave-one-subject-out) or "lovo" (leave-one-video-out: subjects on both sides of a fold)
    protocol = models.CharField(max_length=8, default="loso")
    model_version = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="reports")
    job = models.ForeignKey("annotator.Job", null=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.plugin} LOSO report {self.pk}"
