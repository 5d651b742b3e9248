"""Which words drove a model's score for a sentence: occlusion, the model's own answer.

Each word is removed in turn and the sentence is scored again in one batch; the words whose
removal lowers the score most are the ones that drove it. Run only for sentences that produced a
finding (a handful per draft), so its cost (one extra batched pass over at most
``MAX_WORDS`` variants) stays small.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Protocol

MAX_WORDS = 40
MIN_DROP = 0.05  # a word counts when removing it lowers the score by at least this much
_WORD = re.compile(r"[^\W_](?:[\w'’.-]*[^\W_])?")


class _Prediction(Protocol):
    @property
    def sentiment(self) -> Mapping[str, float]: ...


class _Predictor(Protocol):
    def predict(self, sentences: Sequence[str]) -> Sequence[_Prediction]: ...


def score_of(prediction: _Prediction, name: str) -> float:
    """``name`` is a sentiment class (``negative``...) or a safety label (``disparage``...)."""
    if name in prediction.sentiment:
        return float(prediction.sentiment[name])
    safety: Mapping[str, float] = getattr(prediction, "safety", {}) or {}
    return float(safety.get(name, 0.0))


def occlusion_words(predictor: _Predictor, sentence: str, name: str, *, top: int = 3) -> list[str]:
    """Up to ``top`` words of ``sentence`` that raise score ``name`` most, strongest first."""
    words = list(_WORD.finditer(sentence))[:MAX_WORDS]
    if len(words) < 2:
        return []
    variants = [sentence]
    for m in words:
        variants.append((sentence[: m.start()] + sentence[m.end() :]).strip())
    preds = predictor.predict(variants)
    base = score_of(preds[0], name)
    drops = [
        (base - score_of(p, name), k) for k, p in enumerate(preds[1:]) if base - score_of(p, name)
    ]
    drops.sort(key=lambda d: (-d[0], d[1]))
    return [words[k].group(0) for drop, k in drops[:top] if drop >= MIN_DROP]
