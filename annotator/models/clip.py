from django.db import models

from annotator.models.project import Project


class Subject(models.Model):
    """A research participant, known only by a pseudonymous code."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="subjects")
    code = models.CharField(max_length=32)
    consent_given = models.BooleanField(default=False)
    consent_date = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="subject_code_unique_in_project")]

    def __str__(self) -> str:
        return self.code


class Clip(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        PROCESSING = "processing"
        READY = "ready"
        FAILED = "failed"

    class FaceStatus(models.TextChoices):
        PENDING = "pending"
        READY = "ready", "aligned"
        NO_FACE = "no_face", "no face found"
        SKIPPED = "skipped", "alignment off"
        FAILED = "failed"

    class SourceKind(models.TextChoices):
        VIDEO = "video"
        FRAMES = "frames", "frame folder"
        IMAGE = "image", "still image"
        MAP = "map", "precomputed flow map"  # one image of (u, v, strain); its maps.npy in the frame store
        APEX = "apex", "apex image"  # one apex face image, frame 0

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="clips")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="clips")
    name = models.CharField(max_length=200)
    source = models.CharField(max_length=500, help_text="Original file or folder name, for provenance only.")
    dataset = models.CharField(max_length=64, blank=True, help_text="Source dataset (e.g. CASME II) in composite projects.")
    frame_numbers = models.JSONField(
        null=True, blank=True,
        help_text="The dataset's own number of each frame (index = frame id), for clips imported from a dataset.",
    )
    source_kind = models.CharField(max_length=8, choices=SourceKind.choices, default=SourceKind.VIDEO)
    fps = models.FloatField(null=True, blank=True)
    frame_count = models.PositiveIntegerField(default=0, help_text="Frames actually decoded; ids are 0..n-1.")
    container_frame_count = models.PositiveIntegerField(null=True, blank=True)
    truncated = models.BooleanField(
        default=False, help_text="The file ended early (cut or damaged): only the frames before the damage were kept.",
    )
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    codec = models.CharField(max_length=32, blank=True)
    checksum = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    face_status = models.CharField(max_length=8, choices=FaceStatus.choices, default=FaceStatus.PENDING)
    face_method = models.CharField(max_length=16, blank=True)
    face_frame_count = models.PositiveIntegerField(default=0)
    ingest_generation = models.PositiveIntegerField(
        default=0, help_text="Raised by every ingest; frame URLs carry it, so a cached frame of an older ingest "
                             "is never served as the current one.")
    pixels_reserved = models.BigIntegerField(
        default=0, help_text="Decoded pixels this clip's running ingest may still take from its project's budget; "
                             "0 when no ingest runs. Two ingests at once cannot both spend what is left.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["subject__code", "name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def frame_count_mismatch(self) -> bool:
        return self.container_frame_count is not None and self.container_frame_count != self.frame_count

    @property
    def truncation_note(self) -> str:
        """What a coder must know about a truncated clip, or ""."""
        if not self.truncated:
            return ""
        declared = f" of {self.container_frame_count}" if self.container_frame_count else ""
        return f"This clip was truncated: {self.frame_count}{declared} frames could be decoded."

    def dataset_frame_number(self, frame_id: int) -> int:
        """The dataset's number for a frame id (the frame id itself when the clip has no dataset numbering)."""
        return self.frame_numbers[frame_id] if self.frame_numbers else frame_id

    @property
    def duration_s(self) -> float | None:
        return self.frame_count / self.fps if self.fps else None
