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


def test_a_hand_computed_case():
    """Truth n n n p p s, predicted n n p p s s. negative: TP 2 FP 0 FN 1 -> F1 4/5, recall 2/3;
    positive: TP 1 FP 1 FN 1 -> F1 1/2, recall 1/2; surprise: TP 1 FP 1 FN 0 -> F1 2/3, recall 1."""
    y_true = ["negative"] * 3 + ["positive"] * 2 + ["surprise"]
    y_pred = ["negative", "negative", "positive", "positive", "surprise", "surprise"]

    metrics = recognition_metrics(y_true, y_pred, LABELS)

    assert metrics["uf1"] == pytest.approx((4 / 5 + 1 / 2 + 2 / 3) / 3)
    assert metrics["uar"] == pytest.approx((2 / 3 + 1 / 2 + 1) / 3)
    assert metrics["accuracy"] == pytest.approx(4 / 6)
    assert metrics["per_class"]["positive"] == {"support": 2, "f1": 0.5, "recall": 0.5, "precision": 0.5}
    assert metrics["confusion"] == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]


def test_a_class_only_predicted_counts_with_f1_zero_and_recall_zero():
    """surprise is never true but predicted once: it enters both means with 0 (F1 and recall)."""
    metrics = recognition_metrics(["negative", "negative"], ["negative", "surprise"], LABELS)

    assert metrics["uf1"] == pytest.approx((2 / 3 + 0) / 2)  # negative: TP 1, FN 1 -> 2/3
    assert metrics["uar"] == pytest.approx((1 / 2 + 0) / 2)
    assert metrics["per_class"]["positive"]["support"] == 0


def test_no_samples_give_zeros_and_an_empty_confusion():
    metrics = recognition_metrics([], [], LABELS)

    assert (metrics["uf1"], metrics["uar"], metrics["accuracy"], metrics["n"]) == (0.0, 0.0, 0.0, 0)
    assert metrics["confusion"] == [[0] * 3] * 3


def test_confusion_rows_are_truth_and_columns_predictions():
    metrics = recognition_metrics(["positive", "positive"], ["surprise", "positive"], LABELS)

    assert metrics["confusion"][1] == [0, 1, 1]


def test_apex_hit_rate_counts_errors_within_tolerance_and_misses():
    metrics = apex_metrics([10, 20, 30, 40], [12, 26, None, 40], tolerance=5)

    assert metrics["hit_rate"] == 0.5
    assert metrics["mean_abs_error"] == pytest.approx((2 + 6 + 0) / 3)
