"""Recognition metrics on pooled predictions (protocols.md): UF1, UAR, accuracy, confusion.

F1_c = 2 TP_c / (2 TP_c + FP_c + FN_c); UF1 = mean F1_c; UAR = mean TP_c / n_c. Classes that
occur in neither the truth nor the predictions are left out, as scikit-learn does when it
infers the labels, so the figures equal its macro F1 and macro recall.
"""

from collections.abc import Sequence

import numpy as np


def _classes(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> list[str]:
    present = set(y_true) | set(y_pred)
    return [label for label in labels if label in present]


def confusion(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    index = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=int)
    for truth, guess in zip(y_true, y_pred, strict=True):
        if truth in index and guess in index:
            matrix[index[truth], index[guess]] += 1
    return matrix


def recognition_metrics(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> dict:
    labels = list(labels)
    matrix = confusion(y_true, y_pred, labels)
    classes = _classes(y_true, y_pred, labels)
    per_class = {}
    for label in labels:
        i = labels.index(label)
        tp = int(matrix[i, i])
        fp = int(matrix[:, i].sum() - tp)
        fn = int(matrix[i, :].sum() - tp)
        support = tp + fn
        per_class[label] = {
            "support": support,
            "f1": 2 * tp / (2 * tp + fp + fn) if (2 * tp + fp + fn) else 0.0,
            "recall": tp / support if support else 0.0,
            "precision": tp / (tp + fp) if (tp + fp) else 0.0,
        }
    n = len(y_true)
    return {
        "n": n,
        "uf1": float(np.mean([per_class[c]["f1"] for c in classes])) if classes else 0.0,
        "uar": float(np.mean([per_class[c]["recall"] for c in classes])) if classes else 0.0,
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
