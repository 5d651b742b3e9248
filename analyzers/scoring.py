"""Explainable scoring: 0-100 per category and overall, and the verdict.

Per category (the approach Acrolinx and Writer document)::

    N        = max(words / 75, 1)            # "expected room for issues" grows with length
    weighted = sum(SEVERITY_WEIGHT[f.severity] for f in findings of the category)
    score    = 100 * N / (N + weighted)

so a clean category scores 100, one warning in a 75-word draft halves it, and the same warning
costs less in a long draft than in a short one. The floor of 1 on N keeps a one-line draft from
failing on a single suggestion. The overall score is the weighted mean of the category scores
(weights from the guide, default 1 each) over the categories that were analysed: a category whose
analysis was skipped (say, the models failed to load) is left out rather than counted as perfect.

Verdict: ``fail`` when the score is under the guide's alert threshold; ``pass`` when it reaches the
pass threshold, no finding is an error and no single category scores under the alert threshold
(a draft that reads strongly off in one dimension, say sentiment, is not waved through by the
mean of the others); ``needs_work`` otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from analyzers.types import Category, Finding, Severity, Verdict

SEVERITY_WEIGHT: Mapping[Severity, float] = {
    Severity.SUGGESTION: 0.25,
    Severity.WARNING: 1.0,
    Severity.ERROR: 3.0,
}
WORDS_PER_UNIT = 75.0
CATEGORIES: tuple[str, ...] = tuple(c.value for c in Category)


def category_scores(
    findings: Iterable[Finding], words: int, categories: Iterable[str] = CATEGORIES
) -> dict[str, float]:
    n = max(words / WORDS_PER_UNIT, 1.0)
    weighted: dict[str, float] = {c: 0.0 for c in categories}
    for f in findings:
        weighted[f.category] = weighted.get(f.category, 0.0) + SEVERITY_WEIGHT[f.severity]
    return {c: round(100.0 * n / (n + w), 1) for c, w in weighted.items()}


def overall_score(scores: Mapping[str, float], weights: Mapping[str, float]) -> float:
    total = 0.0
    weight_sum = 0.0
    for category, score in scores.items():
        w = weights.get(category, 1.0)
        total += w * score
        weight_sum += w
    if weight_sum <= 0:
        return 100.0
    return round(total / weight_sum, 1)


def verdict(
    score: float,
    findings: Iterable[Finding],
    pass_score: float,
    alert_score: float,
    categories: Mapping[str, float] | None = None,
) -> Verdict:
    if score < alert_score:
        return Verdict.FAIL
    weakest = min(categories.values(), default=100.0) if categories else 100.0
    if (
        score >= pass_score
        and weakest >= alert_score
        and not any(f.severity is Severity.ERROR for f in findings)
    ):
        return Verdict.PASS
    return Verdict.NEEDS_WORK
