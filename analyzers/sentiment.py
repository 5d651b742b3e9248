"""Draft sentiment from per-sentence class probabilities; the guide's sentiment floor.

Inputs are per-sentence probabilities over ``negative`` / ``neutral`` / ``positive`` (from the
embedded model or any text-classification pipeline, already mapped to these three names), so
this module needs no model. All spans are in the coordinates of the ``text`` passed in.

* **Polarity** of a sentence or draft is ``p(positive) - p(negative)``, in -1..1.
* **Draft scores** are the sentences' probabilities averaged with weights equal to their
  prose length (letters and digits, see :func:`analyzers.prose.prose_weight`), so a long
  complaint outweighs a short "Thanks!"; emoji-only sentences weigh nothing.
* **Label**: the model's probabilities are calibrated (temperature scaling, see
  docs/models.md); a sentence or draft is ``positive`` or ``negative`` only when that class has
  probability >= ``MIN_CONFIDENCE`` and beats the opposite class, else ``neutral``: a reader
  does not feel a lean the model is unsure of. **Confidence** is ``p(label)`` for positive /
  negative and ``1 - max(p(positive), p(negative))`` for neutral.
* Polarity alone makes no finding: bad news reported plainly is fine (:mod:`analyzers.policy`
  has the checks an editor recognises). Only where the guide or profile sets
  ``limits.sentiment_floor`` (launch copy must not read negative, say) does a draft whose
  polarity is below the floor get **one** ``Sentiment.Floor`` finding, on the sentence that
  pulls it down most, and only when the model is confident that sentence reads negative.
* :func:`is_strongly_negative` is the flag the bot's alerts use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from analyzers.prose import prose_weight, trim_range
from analyzers.types import Category, Finding, SentenceScore, SentimentResult, Severity, Span

if TYPE_CHECKING:
    from analyzers.guide import BrandGuide

LABELS = ("negative", "neutral", "positive")
MIN_CONFIDENCE = 0.5  # chosen on realcopy-dev with the calibrated model (docs/models.md)
STRONGLY_NEGATIVE_POLARITY = -0.5
STRONGLY_NEGATIVE_CONFIDENCE = 0.6
RULE_FLOOR = "Sentiment.Floor"
FLOOR_ADVICE = "Lead with what the reader gains; state problems plainly"


def polarity(scores: Mapping[str, float]) -> float:
    """``p(positive) - p(negative)`` for a probability mapping (missing labels count as 0)."""
    return float(scores.get("positive", 0.0)) - float(scores.get("negative", 0.0))


def label_for(scores: Mapping[str, float]) -> tuple[str, float]:
    """The label and its confidence for one probability mapping (see the module docstring)."""
    pos, neg = float(scores.get("positive", 0.0)), float(scores.get("negative", 0.0))
    if pos >= MIN_CONFIDENCE and pos > neg:
        return "positive", pos
    if neg >= MIN_CONFIDENCE and neg > pos:
        return "negative", neg
    return "neutral", 1.0 - max(pos, neg)


def draft_polarity(result: SentimentResult) -> float:
    return polarity(result.scores)


def is_strongly_negative(result: SentimentResult | None) -> bool:
    """True when the draft reads clearly negative: worth a manager alert on its own."""
    if result is None:
        return False
    return (
        result.label == "negative"
        and draft_polarity(result) <= STRONGLY_NEGATIVE_POLARITY
        and result.confidence >= STRONGLY_NEGATIVE_CONFIDENCE
    )


def _normalise(scores: Mapping[str, float]) -> dict[str, float]:
    vals = {k: max(0.0, float(scores.get(k, 0.0))) for k in LABELS}
    total = sum(vals.values())
    if total <= 0.0:
        return {"negative": 0.0, "neutral": 1.0, "positive": 0.0}
    return {k: v / total for k, v in vals.items()}


def analyze_sentiment(
    text: str,
    sentences: Sequence[tuple[int, int]],
    probabilities: Sequence[Mapping[str, float]],
    guide: BrandGuide,
) -> tuple[SentimentResult | None, list[Finding]]:
    """Aggregate per-sentence probabilities into a draft result and floor findings.

    ``sentences[i]`` is the range in ``text`` whose probabilities are ``probabilities[i]``.
    Returns ``(None, [])`` when no sentence carries prose (empty or emoji-only text).
    """
    if len(sentences) != len(probabilities):
        raise ValueError(
            f"{len(sentences)} sentences but {len(probabilities)} probability rows: "
            "they must be the same length"
        )
    per_sentence: list[SentenceScore] = []
    weights: list[int] = []
    totals = dict.fromkeys(LABELS, 0.0)
    for (start, end), raw in zip(sentences, probabilities, strict=True):
        s, e = trim_range(text, start, end)
        weight = prose_weight(text[s:e])
        if weight == 0:
            continue
        probs = _normalise(raw)
        label, conf = label_for(probs)
        per_sentence.append(SentenceScore(Span(s, e), label, conf, probs))
        weights.append(weight)
        for k in LABELS:
            totals[k] += weight * probs[k]
    total_weight = sum(weights)
    if total_weight == 0:
        return None, []
    scores = {k: v / total_weight for k, v in totals.items()}
    label, conf = label_for(scores)
    result = SentimentResult(label, conf, scores, tuple(per_sentence))
    return result, _floor_findings(text, result, weights, guide)


def _floor_findings(
    text: str, result: SentimentResult, weights: Sequence[int], guide: BrandGuide
) -> list[Finding]:
    floor = guide.limits.sentiment_floor
    draft = draft_polarity(result)
    if floor is None or draft >= floor:
        return []
    worst = max(
        zip(result.sentences, weights, strict=True),
        key=lambda pair: (pair[1] * (floor - polarity(pair[0].scores)), -pair[0].span.start),
    )[0]
    if worst.label != "negative":  # no sentence the model is sure reads negative
        return []
    return [
        Finding(
            rule_id=RULE_FLOOR,
            category=Category.SENTIMENT.value,
            severity=Severity.WARNING,
            message=(
                f"The draft leans negative (sentiment {draft:+.2f}), under this guide's floor of "
                f"{floor:+.2f}; this sentence pulls it down most (negative, confidence "
                f"{worst.confidence:.2f}). "
                f"{guide.voice.advice or FLOOR_ADVICE}."
            ),
            span=worst.span,
            matched=worst.span.slice(text),
            link=guide.link_for("sentiment", "voice", "tone"),
            action="edit",
        )
    ]
