"""``brandbot eval --task TASK --data FILE``: score the shipped models on a labelled file.

Files use the formats of ``../shared/data`` (see its MANIFEST): SST-2 ``sentence<TAB>label``,
CoNLL-2003 / WNUT-17 columns (IOB2), GoEmotions ``text<TAB>ids<TAB>id``, formality CSV
``label,text``; 3-class sentiment in TweetEval's layout or ``text<TAB>label``
(:func:`~analyzers.models.datasets.read_sentiment3`). Metrics are defined in
:mod:`analyzers.models.metrics`. ``types`` restricts entity scoring to a type set: gold and
predicted entities of other types are left out (a set without MISC no longer counts every
predicted MISC as a false positive).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from analyzers.models.datasets import (
    SENTIMENT3_LABELS,
    DataFormatError,
    TaggedSentence,
    read_formality,
    read_goemotions,
    read_sentiment3,
    read_sst2,
    read_tagged,
)
from analyzers.models.heads import CONLL_TAGS, GOEMOTIONS_LABELS, WNUT_TAGS
from analyzers.models.metrics import (
    accuracy,
    class_prf,
    confusion_matrix,
    entity_prf,
    expected_calibration_error,
    f1_per_label,
    spearman,
)

TASKS = ("sst2", "sentiment3", "conll", "wnut", "goemotions", "formality")
ECE_BINS = 10
CHUNK = 256  # sentences per predictor call


def _batched(model: Any, texts: Sequence[str]) -> list[Any]:
    out: list[Any] = []
    for s in range(0, len(texts), CHUNK):
        out.extend(model.raw(texts[s : s + CHUNK]))
    return out


# --------------------------------------------------------------------------------- per task


def score_sst2(
    gold: Sequence[int], prob_neg: Sequence[float], prob_pos: Sequence[float]
) -> dict[str, Any]:
    """Binary accuracy; the 3-class sentiment head votes negative vs positive (neutral ignored)."""
    pred = [int(p > n) for n, p in zip(prob_neg, prob_pos, strict=True)]
    return {"metric": "accuracy", "accuracy": accuracy(list(gold), pred), "n": len(gold)}


def score_sentiment3(gold: Sequence[int], probs: np.ndarray) -> dict[str, Any]:
    """3-class sentiment: accuracy, macro-F1, per-class P/R/F1, confusion matrix and ECE."""
    p = np.asarray(probs, dtype=np.float64).reshape(len(gold), len(SENTIMENT3_LABELS))
    pred = [int(i) for i in p.argmax(axis=1)]
    matrix = confusion_matrix(gold, pred, len(SENTIMENT3_LABELS))
    per = class_prf(matrix)
    return {
        "metric": "sentiment3",
        "accuracy": accuracy(list(gold), pred),
        "macro_f1": sum(c.f1 for c in per) / len(per),
        "per_class": {name: c.as_dict() for name, c in zip(SENTIMENT3_LABELS, per, strict=True)},
        "labels": list(SENTIMENT3_LABELS),
        "confusion": matrix,
        "ece": expected_calibration_error(gold, p, ECE_BINS),
        "ece_bins": ECE_BINS,
        "n": len(gold),
    }


def restrict_types(tags: Sequence[str], types: Collection[str]) -> list[str]:
    """IOB2 tags with every entity of a type outside ``types`` turned into ``O``."""
    return [t if t == "O" or t[2:] in types else "O" for t in tags]


def score_tagged(
    gold: Sequence[Sequence[str]],
    pred: Sequence[Sequence[str]],
    types: Collection[str] | None = None,
) -> dict[str, Any]:
    if types is not None:
        gold = [restrict_types(t, types) for t in gold]
        pred = [restrict_types(t, types) for t in pred]
    overall, per = entity_prf(gold, pred)
    return {
        "metric": "entity_f1",
        "f1": overall.f1,
        "precision": overall.precision,
        "recall": overall.recall,
        "entities": overall.support,
        "per_type": {k: v.as_dict() for k, v in per.items()},
        "types": sorted(types) if types is not None else None,
        "n": len(gold),
    }


def score_goemotions(
    gold_ids: Sequence[Sequence[int]], probs: np.ndarray, thresholds: Sequence[float]
) -> dict[str, Any]:
    n_labels = len(GOEMOTIONS_LABELS)
    gold = np.zeros((len(gold_ids), n_labels), dtype=bool)
    for r, ids in enumerate(gold_ids):
        gold[r, list(ids)] = True
    pred = probs >= np.asarray(thresholds)[None, :]
    per = f1_per_label(gold, pred)
    return {
        "metric": "macro_f1",
        "macro_f1": float(per.mean()),
        "per_label_f1": dict(zip(GOEMOTIONS_LABELS, map(float, per), strict=True)),
        "n": len(gold_ids),
    }


def score_formality(gold: Sequence[float], pred: Sequence[float]) -> dict[str, Any]:
    return {"metric": "spearman", "spearman": spearman(gold, pred), "n": len(gold)}


def word_tags(
    sentences: Sequence[TaggedSentence], raws: Sequence[Any], which: str, tagset: Sequence[str]
) -> list[list[str]]:
    """Predicted tag of each word: the tag of its first word piece (words without pieces: O)."""
    out = []
    for sent, raw in zip(sentences, raws, strict=True):
        probs = getattr(raw, which)
        starts = [a for a, _ in raw.encoded.offsets]
        tags, pos = [], 0
        for w in sent.words:
            k = bisect.bisect_left(starts, pos)
            has_piece = k < len(starts) and starts[k] < pos + len(w)
            tags.append(tagset[int(probs[k].argmax())] if has_piece else "O")
            pos += len(w) + 1
        out.append(tags)
    return out


def evaluate(
    task: str,
    data: Path,
    model: Any,
    limit: int = 0,
    *,
    types: Collection[str] | None = None,
) -> dict[str, Any]:
    """Read ``data`` in ``task``'s format, predict with ``model`` and score.

    ``types`` (entity tasks only) restricts scoring to those entity types."""
    if types is not None and task not in ("conll", "wnut"):
        raise ValueError(f"types apply to the entity tasks (conll, wnut), not {task!r}")
    cut: Callable[[list[Any]], list[Any]] = (
        (lambda xs: xs[:limit]) if limit > 0 else (lambda xs: xs)
    )
    if task == "sst2":
        rows = cut(read_sst2(data))
        raws = _batched(model, [t for t, _ in rows])
        return score_sst2(
            [y for _, y in rows],
            [float(r.sentiment[0]) for r in raws],
            [float(r.sentiment[2]) for r in raws],
        )
    if task == "sentiment3":
        rows = cut(read_sentiment3(data))
        raws = _batched(model, [t for t, _ in rows])
        probs = (
            np.stack([np.asarray(r.sentiment, dtype=np.float64) for r in raws])
            if raws
            else np.zeros((0, 3))
        )
        return score_sentiment3([y for _, y in rows], probs)
    if task in ("conll", "wnut"):
        sents = cut(read_tagged(data))
        tagset = CONLL_TAGS if task == "conll" else WNUT_TAGS
        if types is not None:
            known_types = {t[2:] for t in tagset if t != "O"}
            unknown = sorted(set(types) - known_types)
            if unknown:
                raise DataFormatError(
                    f"--types {','.join(unknown)}: not a {task} type "
                    f"({', '.join(sorted(known_types))})"
                )
        known = set(tagset)
        for i, s in enumerate(sents):
            gold_tags = s.tags if types is None else restrict_types(s.tags, types)
            bad = [t for t in gold_tags if t not in known]
            if bad:
                raise DataFormatError(
                    f"{data}: sentence {i + 1} has tag {bad[0]!r}, not a {task} tag "
                    f"({', '.join(tagset)})"
                )
        raws = _batched(model, [" ".join(s.words) for s in sents])
        pred = word_tags(sents, raws, task, tagset)
        return score_tagged([list(s.tags) for s in sents], pred, types)
    if task == "goemotions":
        ge = cut(read_goemotions(data))
        raws = _batched(model, [t for t, _ in ge])
        probs = np.stack([r.emotions for r in raws]) if raws else np.zeros((0, 28))
        th = [model.emotion_thresholds[label] for label in GOEMOTIONS_LABELS]
        return score_goemotions([ids for _, ids in ge], probs, th)
    if task == "formality":
        fo = cut(read_formality(data))
        raws = _batched(model, [t for t, _ in fo])
        return score_formality([y for _, y in fo], [r.formality for r in raws])
    raise ValueError(f"unknown task {task!r}: expected one of {', '.join(TASKS)}")


def format_text(task: str, data: Path, res: dict[str, Any]) -> str:
    head = f"{task} on {data} ({res['n']} examples, model {res.get('model', '?')})"
    lines = [head]
    if res["metric"] == "accuracy":
        lines.append(f"accuracy  {res['accuracy']:.4f}")
    elif res["metric"] == "entity_f1":
        lines.append(
            f"entity F1 {res['f1']:.4f}  precision {res['precision']:.4f}  "
            f"recall {res['recall']:.4f}  ({res['entities']} gold entities)"
        )
        lines.append(f"  {'type':<14} {'P':>7} {'R':>7} {'F1':>7} {'support':>8}")
        for k, v in res["per_type"].items():
            lines.append(
                f"  {k:<14} {v['precision']:>7.4f} {v['recall']:>7.4f} {v['f1']:>7.4f} "
                f"{v['support']:>8}"
            )
        if res.get("types"):
            lines.append(f"  (only {', '.join(res['types'])}; other types ignored)")
    elif res["metric"] == "sentiment3":
        lines.append(
            f"accuracy  {res['accuracy']:.4f}  macro-F1 {res['macro_f1']:.4f}  "
            f"ECE {res['ece']:.4f} ({res['ece_bins']} bins)"
        )
        lines.append(f"  {'class':<10} {'P':>7} {'R':>7} {'F1':>7} {'support':>8}")
        for k, v in res["per_class"].items():
            lines.append(
                f"  {k:<10} {v['precision']:>7.4f} {v['recall']:>7.4f} {v['f1']:>7.4f} "
                f"{v['support']:>8}"
            )
        labels = res["labels"]
        lines.append("  confusion (rows gold, columns predicted)")
        lines.append("  " + " " * 10 + "".join(f"{lab:>10}" for lab in labels))
        for lab, row in zip(labels, res["confusion"], strict=True):
            lines.append(f"  {lab:<10}" + "".join(f"{c:>10}" for c in row))
    elif res["metric"] == "macro_f1":
        lines.append(f"macro-F1 over {len(res['per_label_f1'])} labels  {res['macro_f1']:.4f}")
        for k, v in res["per_label_f1"].items():
            lines.append(f"  {k:<15} {v:.4f}")
    else:
        lines.append(f"Spearman  {res['spearman']:.4f}")
    lines.append(f"({res['seconds']:.1f} s)")
    return "\n".join(lines)
