"""Metrics in the form of the paper's Tables 3-7 (section 4): accuracy, UAR, per-class recall and the
row-normalised confusion matrix in percent.

Two scopes, always labelled:

- ``test``: held-out utterances only (what Table 7(b) reports as validation accuracy).
- ``whole_database``: every utterance of the corpus, training ones included. Tables 3-6 look like this:
  each of their cells is a multiple of 100 / (the class's size in the *whole* corpus), e.g. Table 3's
  Ang 95.28 = 121/127 and Bor 87.65 = 71/81, which a 20 % test set cannot produce. Such figures mix
  training and test data and are not held-out estimates.

Notebooks: ``book/04_1d_cnn_lstm.ipynb``, ``book/05_2d_cnn_lstm.ipynb``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix


def metrics(y_true: np.ndarray, y_pred: np.ndarray, class_names: Sequence[str]) -> dict:
    """Accuracy and unweighted average recall (UAR) in percent, per-class recall, confusion (counts and
    row-normalised percent, rows = true class, as Tables 3-6)."""
    counts = confusion_matrix(np.asarray(y_true), np.asarray(y_pred), labels=np.arange(len(class_names)))
    return metrics_from_confusion(counts, class_names)


def metrics_from_confusion(counts, class_names: Sequence[str]) -> dict:
    """:func:`metrics` from a confusion matrix of counts (rows: true class, columns: predicted), such as the
    pooled confusion of a protocol's folds (``summary["pooled_test"]["confusion"]``): accuracy, UAR (the mean
    recall of the classes present), per-class recall, support and the row-normalised percentages.

    Notebook: ``book/07_results.ipynb`` (the pooled held-out confusion of Tables 3 and 5).
    """
    counts = np.asarray(counts, dtype=np.int64)
    support = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(support[:, None] > 0, 100.0 * counts / support[:, None], np.nan)
    recall = np.diag(pct)
    present = support > 0
    n = int(counts.sum())
    return {
        "n": n,
        "accuracy": float(100.0 * np.trace(counts) / n) if n else float("nan"),
        "uar": float(np.mean(recall[present])) if present.any() else float("nan"),
        "per_class_recall": {c: _num(r) for c, r in zip(class_names, recall)},
        "support": {c: int(s) for c, s in zip(class_names, support)},
        "confusion": counts.tolist(),
        "confusion_pct": [[_num(v) for v in row] for row in pct],
        "classes": list(class_names),
    }


def _num(v: float) -> float | None:
    return None if np.isnan(v) else round(float(v), 4)


def predict(model, x: np.ndarray, batch_size: int = 32) -> np.ndarray:
    """Class probabilities, batch by batch."""
    return np.asarray(model.predict(x, batch_size=batch_size, verbose=0))


def evaluate(model, x: np.ndarray, y: np.ndarray, class_names: Sequence[str], batch_size: int = 32) -> dict:
    """Run ``model`` on ``x`` and score it against ``y`` with :func:`metrics` (eq. 14: argmax of softmax)."""
    y_pred = predict(model, x, batch_size=batch_size).argmax(axis=1)
    result = metrics(y, y_pred, class_names)
    result["predictions"] = y_pred.astype(int).tolist()
    return result


def confusion_frame(result: dict, short: bool = True) -> pd.DataFrame:
    """The row-normalised confusion matrix (percent) as a table in the form of Tables 3-6."""
    names = [c[:3].capitalize() for c in result["classes"]] if short else list(result["classes"])
    frame = pd.DataFrame(result["confusion_pct"], index=names, columns=names, dtype=float)
    frame.index.name = "true"
    frame.columns.name = "predicted"
    return frame


def class_size_multiples(cell_pct: float, class_size: int, tol: float = 0.006) -> int | None:
    """The k with ``cell_pct == 100 k / class_size`` (to the table's rounding), or None.

    Used to show that a table's cells are counts over whole-corpus class sizes (see the module docstring).
    """
    k = round(cell_pct * class_size / 100.0)
    return int(k) if abs(100.0 * k / class_size - cell_pct) <= tol else None
