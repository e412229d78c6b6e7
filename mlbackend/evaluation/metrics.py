"""Recognition metrics on pooled predictions (docs/protocols.md): UF1, UAR, accuracy, confusion.

scikit-learn computes them: UF1 = f1_score(average="macro"), UAR = recall_score(average="macro"),
both over the classes that occur in the truth or the predictions (a class in neither has no
F1 and no recall: it is left out, as scikit-learn does when it infers the labels), in the
project's label order. Per-class rows cover every label, an absent one with support 0.
"""

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support, recall_score


def confusion(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    """Rows are the truth, columns the predictions, in `labels` order; pairs outside `labels` are left out."""
    if len(y_true) != len(y_pred):
        raise ValueError(f"{len(y_true)} truths but {len(y_pred)} predictions")
    if not len(y_true):
        return np.zeros((len(labels), len(labels)), dtype=int)
    return confusion_matrix(list(y_true), list(y_pred), labels=list(labels))


def recognition_metrics(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> dict:
    labels = list(labels)
    matrix = confusion(y_true, y_pred, labels)
    # the pairs the confusion holds: a truth or prediction outside the label space is no class's hit or miss
    pairs = [(t, p) for t, p in zip(y_true, y_pred, strict=True) if t in labels and p in labels]
    truth, guesses = [t for t, _ in pairs], [p for _, p in pairs]
    present = [label for label in labels if label in set(truth) | set(guesses)]
    per_class = {label: {"support": 0, "f1": 0.0, "recall": 0.0, "precision": 0.0} for label in labels}
    uf1 = uar = 0.0
    if present:
        precision, recall, f1, support = precision_recall_fscore_support(truth, guesses, labels=labels,
                                                                         zero_division=0)
        for i, label in enumerate(labels):
            per_class[label] = {"support": int(support[i]), "f1": float(f1[i]), "recall": float(recall[i]),
                                "precision": float(precision[i])}
        uf1 = float(f1_score(truth, guesses, labels=present, average="macro", zero_division=0))
        uar = float(recall_score(truth, guesses, labels=present, average="macro", zero_division=0))
    n = len(y_true)
    return {
        "n": n,
        "uf1": uf1,
        "uar": uar,
        "accuracy": float(np.trace(matrix) / n) if n else 0.0,
        "labels": labels,
        "confusion": matrix.tolist(),
        "per_class": per_class,
    }


def apex_metrics(true_apexes: Sequence[int], predicted_apexes: Sequence[int | None], tolerance: int = 5) -> dict:
    errors = [abs(p - t) for t, p in zip(true_apexes, predicted_apexes, strict=True) if p is not None]
    hits = sum(error <= tolerance for error in errors)
    n = len(true_apexes)
    return {
        "n": n,
        "tolerance": tolerance,
        "hit_rate": hits / n if n else 0.0,
        "mean_abs_error": float(np.mean(errors)) if errors else None,
        "median_abs_error": float(np.median(errors)) if errors else None,
    }
