"""mlbackend.linear (plugins: mlbackend.sdk): a linear SVM kept as arrays, its softmax."""

import numpy as np
import pytest

from mlbackend.sdk import ABSENT_LOGIT, fit_linear_svm, softmax


def separable(n_per_class: int, classes: tuple[int, ...], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.repeat(classes, n_per_class)
    x = rng.normal(0, 0.1, (len(y), 4))
    x[np.arange(len(y)), y % 4] += 2.0  # class k lifts feature k
    return x, y


def test_three_labels_two_present_the_absent_one_never_wins():
    x, y = separable(6, (0, 2))
    coef, intercept = fit_linear_svm(x, y, 3, C=1.0, seed=0, max_iter=1000)
    assert coef.shape == (3, 4) and intercept[1] == ABSENT_LOGIT and not coef[1].any()
    assert np.allclose(coef[0], -coef[2]) and intercept[0] == pytest.approx(-intercept[2])  # one decision d: -d/2, d/2
    probs = softmax(x @ coef.T + intercept)
    assert np.allclose(probs.sum(axis=1), 1.0) and probs[:, 1].max() < 1e-9
    assert (probs.argmax(axis=1) == y).all()


def test_one_present_label_wins_everywhere():
    x, y = separable(3, (1,))
    coef, intercept = fit_linear_svm(x, y, 2, C=1.0, seed=0, max_iter=1000)
    assert (softmax(x @ coef.T + intercept).argmax(axis=1) == 1).all()
