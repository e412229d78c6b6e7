"""A linear SVM kept as plain arrays, shared by the SVM plugins (flow_svm, lbptop_svm).

`fit_linear_svm` trains scikit-learn's LinearSVC (one-vs-rest, class_weight="balanced") and returns
its weights as a (labels x features) matrix and an intercept per label, so a checkpoint holds
arrays only (no pickled scikit-learn object) and prediction is x @ coef.T + intercept in numpy.
A label absent from the training set gets intercept ABSENT_LOGIT and zero weights: it never wins.

Probabilities: `softmax` of the decision values (divided by a temperature). They rank classes like
the SVM does and sum to one, but they are not calibrated (no Platt scaling: that needs an inner
cross-validation the small micro-expression sets cannot spare). For two classes the single
decision value d becomes the pair (-d/2, d/2), so the softmax is the logistic sigmoid of d.
"""

from __future__ import annotations

import numpy as np

ABSENT_LOGIT = -30.0  # a label missing from the training set: probability ~ 0


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def fit_linear_svm(x: np.ndarray, y: np.ndarray, n_labels: int, *, C: float, seed: int, max_iter: int
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(coef K x D, intercept K) over all n_labels labels of targets y (indices into the labels)."""
    coef = np.zeros((n_labels, x.shape[1]))
    intercept = np.full(n_labels, ABSENT_LOGIT)
    present = np.unique(y)
    if present.size == 1:
        intercept[present[0]] = 0.0
        return coef, intercept
    from sklearn.svm import LinearSVC

    svm = LinearSVC(C=C, class_weight="balanced", random_state=seed, max_iter=max_iter, dual="auto")
    svm.fit(x, y)
    classes = svm.classes_
    if classes.size == 2:  # one decision value d: classes_[1] gets d / 2, classes_[0] gets -d / 2
        coef[classes[1]], intercept[classes[1]] = svm.coef_[0] / 2, svm.intercept_[0] / 2
        coef[classes[0]], intercept[classes[0]] = -svm.coef_[0] / 2, -svm.intercept_[0] / 2
    else:
        coef[classes], intercept[classes] = svm.coef_, svm.intercept_
    return coef, intercept
