"""Report exports: CSV and JSON downloads, matplotlib figures. Subjects appear only by their pseudonym."""

import csv
import io
import json

from django.core.exceptions import PermissionDenied

from mlbackend.models import EvaluationReport
from mlbackend.selectors import report_for_user

SAMPLE_COLUMNS = ["clip_id", "subject", "dataset", "onset", "apex", "offset", "true", "predicted", "fold"]


def visible_spotting(report: EvaluationReport, *, detailed: bool) -> dict:
    """Spotting figures; per-video truth and predicted intervals only with permissions.can_read_report_details."""
    if detailed or not report.spotting:
        return report.spotting
    return {key: value for key, value in report.spotting.items() if key != "videos"}


def report_export(*, user, report_id: int, fmt: str) -> tuple[EvaluationReport, str, str]:
    """(report, body, content type) of a download. The CSV is per-sample rows (clip, subject, timing, true label):
    the lead's and reviewers' only; every member gets the JSON, whose per-sample parts the others do not get."""
    report, detailed = report_for_user(user, report_id)
    if fmt == "csv":
        if not detailed:
            raise PermissionDenied("The per-sample CSV is for the project lead and reviewers; "
                                   "the JSON download has the figures.")
        return report, report_csv(report), "text/csv"
    return report, report_json(report, detailed=detailed), "application/json"


def report_csv(report: EvaluationReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(SAMPLE_COLUMNS + [f"p_{label}" for label in report.labels])
    for sample in report.samples:
        writer.writerow([sample[c] for c in SAMPLE_COLUMNS] + [sample["probs"].get(l, "") for l in report.labels])
    return out.getvalue()


def report_json(report: EvaluationReport, *, detailed: bool) -> str:
    body = {
        "report": report.pk, "plugin": report.plugin, "plugin_version": report.plugin_version,
        "model_version": report.model_version.version if report.model_version else None,
        "protocol": "leave-one-subject-out, predictions pooled over folds", "seed": report.seed,
        "label_source": report.label_source, "labels": report.labels, "overall": report.overall,
        "per_dataset": report.per_dataset, "per_subject": report.per_subject, "folds": report.folds,
        "au_metrics": report.au_metrics, "spotting": visible_spotting(report, detailed=detailed),
    }
    if detailed:
        body["samples"] = report.samples
    return json.dumps(body, indent=1)


def _figure_bytes(figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, bbox_inches="tight", dpi=110)
    import matplotlib.pyplot as plt

    plt.close(figure)
    return buffer.getvalue()


def confusion_figure(report: EvaluationReport, fmt: str = "png") -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    matrix = np.array(report.overall.get("confusion") or [[0]])
    rows = matrix.sum(axis=1, keepdims=True)
    share = np.divide(matrix, rows, out=np.zeros_like(matrix, dtype=float), where=rows > 0)
    figure, axes = plt.subplots(figsize=(1.2 + 1.1 * len(report.labels), 1.0 + 1.0 * len(report.labels)))
    axes.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for (i, j), count in np.ndenumerate(matrix):
        axes.text(j, i, f"{count}\n{share[i, j]:.0%}", ha="center", va="center",
                  color="white" if share[i, j] > 0.6 else "black", fontsize=9)
    axes.set_xticks(range(len(report.labels)), report.labels, rotation=30, ha="right")
    axes.set_yticks(range(len(report.labels)), report.labels)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(f"{report.plugin}: UF1 {report.overall.get('uf1', 0):.3f}, UAR {report.overall.get('uar', 0):.3f}")
    return _figure_bytes(figure, fmt)


def per_class_figure(report: EvaluationReport, fmt: str = "png") -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    per_class = report.overall.get("per_class", {})
    x = np.arange(len(report.labels))
    figure, axes = plt.subplots(figsize=(1.5 + 1.2 * len(report.labels), 3.2))
    for offset, metric in ((-0.2, "f1"), (0.0, "recall"), (0.2, "precision")):
        axes.bar(x + offset, [per_class.get(l, {}).get(metric, 0) for l in report.labels], width=0.2, label=metric)
    axes.set_xticks(x, [f"{l}\n(n={per_class.get(l, {}).get('support', 0)})" for l in report.labels])
    axes.set_ylim(0, 1)
    axes.legend(loc="upper right", fontsize=8)
    axes.set_title("per class")
    return _figure_bytes(figure, fmt)
