"""Scores and decisions of the sentence heads' evaluations: softmax, the product's decision rule,
macro-F1, calibration error, and the safety labels' thresholds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def decide(p: np.ndarray, tau: float) -> np.ndarray:
    """The product's rule: positive / negative only when confident, otherwise neutral."""
    pred = np.full(len(p), 1)
    pos = (p[:, 2] >= tau) & (p[:, 2] > p[:, 0])
    neg = (p[:, 0] >= tau) & (p[:, 0] > p[:, 2])
    pred[pos], pred[neg] = 2, 0
    return pred


def macro_f1(y: np.ndarray, pred: np.ndarray, labels: Sequence[int] = (0, 1, 2)) -> float:
    f = []
    for c in labels:
        tp = int(((pred == c) & (y == c)).sum())
        fp = int(((pred == c) & (y != c)).sum())
        fn = int(((pred != c) & (y == c)).sum())
        f.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(f))


def ece(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    conf, pred = p.max(1), p.argmax(1)
    total = 0.0
    for lo in np.linspace(0, 1, bins, endpoint=False):
        m = (conf > lo) & (conf <= lo + 1 / bins)
        if m.any():
            total += m.mean() * abs(float((pred[m] == y[m]).mean()) - float(conf[m].mean()))
    return total


def best_threshold(p: np.ndarray, gold: np.ndarray) -> float:
    """The threshold in [0.3, 0.9] (25 steps) with the best F1 of ``p >= t`` against ``gold``."""
    best = (0.0, 0.5)
    for t in np.linspace(0.3, 0.9, 25):
        f1 = f1_of(p >= t, gold)
        if f1 > best[0] + 1e-9:
            best = (f1, float(t))
    return best[1]


def f1_of(pred: np.ndarray, gold: np.ndarray) -> float:
    tp = int((pred & gold).sum())
    fp = int((pred & ~gold).sum())
    fn = int((~pred & gold).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def sentiment_scores(y: np.ndarray, pred: np.ndarray) -> dict[str, Any]:
    return {
        "sentences": len(y),
        "macro_f1": round(macro_f1(y, pred), 3),
        "acc": round(float((pred == y).mean()), 3),
        "neutral_to_negative": round(float((pred[y == 1] == 0).mean()), 3),
        "positive_to_neutral": round(float((pred[y == 2] == 1).mean()), 3),
    }
