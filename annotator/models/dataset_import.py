from django.db import models


class ImportReport(models.Model):
    """What a dataset import did with every row of the coding sheet, kept with its job."""

    job = models.OneToOneField("annotator.Job", on_delete=models.CASCADE, related_name="import_report")
    project = models.ForeignKey("annotator.Project", on_delete=models.CASCADE, related_name="import_reports")
    format = models.CharField(max_length=32)
    dataset = models.CharField(max_length=64)
    dry_run = models.BooleanField(default=False)
    summary = models.JSONField(default=dict, help_text="Counts: clips, rows, imported, flagged, skipped.")
    rows = models.JSONField(default=list, help_text="One entry per sheet row: line, clip, outcome, reasons.")
    notes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"import report of job {self.job_id} ({self.format})"
