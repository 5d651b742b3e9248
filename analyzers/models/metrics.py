"""Evaluation metrics, written out so that their exact definitions are visible and tested.

- accuracy: fraction of equal labels.
- entity-level P/R/F1 (conlleval): an entity is a maximal (type, first word, last word) chunk of
  IOB2 tags (an ``I-X`` that does not continue an ``X`` chunk opens a new one); a predicted entity
  counts only when type and both boundaries match a gold entity. Micro-averaged overall, and per
  type.
- macro-F1 (multi-label): per-label F1 from binary decisions, averaged over all labels; a label
  with no gold and no predicted positives scores 0 (scikit-learn's ``zero_division=0``).
- Spearman: Pearson correlation of the ranks, ties get their average rank.
- single-label classes: the confusion matrix (rows gold, columns predicted), per-class
  precision / recall / F1 from it (0 when undefined) and macro-F1 = their unweighted mean over
  all classes.
- ECE (expected calibration error): predictions are put in ``bins`` equal-width bins by their
  confidence (the top probability; a confidence of exactly 1 goes in the last bin); ECE is the
  mean over bins of |accuracy - mean confidence|, weighted by the bin's share of predictions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


def accuracy(gold: Sequence[int], pred: Sequence[int]) -> float:
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    if not gold:
        return 0.0
    return sum(int(g == p) for g, p in zip(gold, pred, strict=True)) / len(gold)


def chunks(tags: Sequence[str]) -> set[tuple[str, int, int]]:
    """IOB2 tags -> ``{(type, first, last)}`` (inclusive word indices), conlleval's rules."""
    out: set[tuple[str, int, int]] = set()
    kind: str | None = None
    start = 0
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, t = tag.partition("-")
        continues = prefix == "I" and t == kind
        if kind is not None and not continues:
            out.add((kind, start, i - 1))
            kind = None
        if prefix in ("B", "I") and not continues:
            kind, start = t, i
    return out


@dataclass(frozen=True)
class PRF:
    precision: float
    recall: float
    f1: float
    support: int  # gold entities

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "support": self.support,
        }


def _prf(tp: int, n_pred: int, n_gold: int) -> PRF:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return PRF(p, r, f, n_gold)


def entity_prf(
    gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]
) -> tuple[PRF, dict[str, PRF]]:
    """Micro P/R/F1 over all entities, and per entity type (sorted by type name)."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold sentences but {len(pred)} predicted")
    tp: dict[str, int] = {}
    n_gold: dict[str, int] = {}
    n_pred: dict[str, int] = {}
    for i, (g_tags, p_tags) in enumerate(zip(gold, pred, strict=True)):
        if len(g_tags) != len(p_tags):
            raise ValueError(f"sentence {i}: {len(g_tags)} gold tags but {len(p_tags)} predicted")
        g, p = chunks(g_tags), chunks(p_tags)
        for kind, *_ in g:
            n_gold[kind] = n_gold.get(kind, 0) + 1
        for kind, *_ in p:
            n_pred[kind] = n_pred.get(kind, 0) + 1
        for kind, *_ in g & p:
            tp[kind] = tp.get(kind, 0) + 1
    kinds = sorted(set(n_gold) | set(n_pred))
    per = {k: _prf(tp.get(k, 0), n_pred.get(k, 0), n_gold.get(k, 0)) for k in kinds}
    overall = _prf(sum(tp.values()), sum(n_pred.values()), sum(n_gold.values()))
    return overall, per


def f1_per_label(
    gold: npt.NDArray[np.bool_], pred: npt.NDArray[np.bool_]
) -> npt.NDArray[np.float64]:
    """Binary F1 of each column of (n, L) boolean arrays; 0 where a label has no positives."""
    if gold.shape != pred.shape:
        raise ValueError(f"gold shape {gold.shape} != predicted shape {pred.shape}")
    tp = (gold & pred).sum(axis=0).astype(np.float64)
    denom = gold.sum(axis=0) + pred.sum(axis=0)
    return np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)


def macro_f1(gold: npt.NDArray[np.bool_], pred: npt.NDArray[np.bool_]) -> float:
    return float(f1_per_label(gold, pred).mean())


def tune_thresholds(
    gold: npt.NDArray[np.bool_],
    probs: npt.NDArray[np.floating],
    grid: Sequence[float] | None = None,
) -> npt.NDArray[np.float64]:
    """Per-label threshold maximising that label's F1 on (gold, probs); ties take the lowest."""
    grid = grid if grid is not None else [round(0.02 * i, 2) for i in range(1, 50)]
    best = np.full(gold.shape[1], 0.5)
    best_f1 = np.full(gold.shape[1], -1.0)
    for t in grid:
        f1 = f1_per_label(gold, probs >= t)
        better = f1 > best_f1
        best[better] = t
        best_f1[better] = f1[better]
    return best


def _ranks(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x), dtype=np.float64)
    sx = x[order]
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and sx[j + 1] == sx[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return ranks


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"need two equal-length sequences, got {x.shape} and {y.shape}")
    if len(x) < 2:
        raise ValueError("Spearman needs at least two pairs")
    rx, ry = _ranks(x), _ranks(y)
    rx -= rx.mean()
    ry -= ry.mean()
    denom = float(np.sqrt((rx**2).sum() * (ry**2).sum()))
    return float((rx * ry).sum() / denom) if denom else 0.0


def confusion_matrix(gold: Sequence[int], pred: Sequence[int], n_classes: int) -> list[list[int]]:
    """``m[g][p]``: how many items of gold class ``g`` were predicted ``p``."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    m = [[0] * n_classes for _ in range(n_classes)]
    for g, p in zip(gold, pred, strict=True):
        if not (0 <= g < n_classes and 0 <= p < n_classes):
            raise ValueError(f"label outside 0..{n_classes - 1}: gold {g}, predicted {p}")
        m[g][p] += 1
    return m


def class_prf(matrix: Sequence[Sequence[int]]) -> list[PRF]:
    """Per-class precision / recall / F1 from a confusion matrix (support = gold count)."""
    n = len(matrix)
    out = []
    for k in range(n):
        tp = matrix[k][k]
        n_pred = sum(matrix[g][k] for g in range(n))
        n_gold = sum(matrix[k])
        out.append(_prf(tp, n_pred, n_gold))
    return out


def expected_calibration_error(
    gold: Sequence[int], probs: npt.NDArray[np.floating], bins: int = 10
) -> float:
    """ECE of ``(n, classes)`` probabilities against gold class ids (see the module doc)."""
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] != len(gold):
        raise ValueError(f"need ({len(gold)}, classes) probabilities, got shape {p.shape}")
    if bins < 1:
        raise ValueError("bins must be at least 1")
    if len(gold) == 0:
        return 0.0
    conf = p.max(axis=1)
    correct = (p.argmax(axis=1) == np.asarray(gold)).astype(np.float64)
    index = np.minimum((conf * bins).astype(int), bins - 1)
    ece = 0.0
    for b in range(bins):
        mask = index == b
        if mask.any():
            ece += float(mask.mean()) * abs(float(correct[mask].mean() - conf[mask].mean()))
    return ece
