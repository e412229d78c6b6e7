import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, recall_score

from mlbackend.evaluation.metrics import apex_metrics, recognition_metrics

LABELS = ["negative", "positive", "surprise"]


@pytest.mark.parametrize("seed", range(5))
def test_uf1_and_uar_equal_sklearn_macro_scores_on_pooled_predictions(seed):
    rng = np.random.default_rng(seed)
    y_true = list(rng.choice(LABELS, size=60, p=[0.55, 0.27, 0.18]))
    y_pred = [t if rng.random() < 0.6 else rng.choice(LABELS) for t in y_true]

    metrics = recognition_metrics(y_true, y_pred, LABELS)

    assert metrics["uf1"] == pytest.approx(f1_score(y_true, y_pred, average="macro"))
    assert metrics["uar"] == pytest.approx(recall_score(y_true, y_pred, average="macro"))
    assert metrics["accuracy"] == pytest.approx(accuracy_score(y_true, y_pred))
    assert sum(map(sum, metrics["confusion"])) == 60


def test_a_class_absent_from_truth_and_predictions_is_left_out_like_sklearn():
    y_true = ["negative", "negative", "positive"]
    y_pred = ["negative", "positive", "positive"]

    metrics = recognition_metrics(y_true, y_pred, LABELS)

    assert metrics["uf1"] == pytest.approx(f1_score(y_true, y_pred, average="macro"))
    assert metrics["per_class"]["surprise"]["support"] == 0


def test_confusion_rows_are_truth_and_columns_predictions():
    metrics = recognition_metrics(["positive", "positive"], ["surprise", "positive"], LABELS)

    assert metrics["confusion"][1] == [0, 1, 1]


def test_apex_hit_rate_counts_errors_within_tolerance_and_misses():
    metrics = apex_metrics([10, 20, 30, 40], [12, 26, None, 40], tolerance=5)

    assert metrics["hit_rate"] == 0.5
    assert metrics["mean_abs_error"] == pytest.approx((2 + 6 + 0) / 3)
