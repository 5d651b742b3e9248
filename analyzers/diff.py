"""What changed between two reviews of the same draft, and whether a review warrants an alert."""

from __future__ import annotations

from dataclasses import dataclass

from analyzers.sentiment import is_strongly_negative
from analyzers.types import Finding, Review, Severity, Verdict


@dataclass(frozen=True)
class ReviewDiff:
    score_delta: float
    fixed: tuple[Finding, ...]
    new: tuple[Finding, ...]
    verdict_changed: bool


def compare_reviews(old: Review, new: Review) -> ReviewDiff:
    """Findings are matched by (rule, words) rather than offsets, which move with every edit."""
    old_keys = {f.key for f in old.findings}
    new_keys = {f.key for f in new.findings}
    return ReviewDiff(
        score_delta=round(new.score - old.score, 1),
        fixed=tuple(f for f in old.findings if f.key not in new_keys),
        new=tuple(f for f in new.findings if f.key not in old_keys),
        verdict_changed=old.verdict is not new.verdict,
    )


def is_alert_worthy(review: Review) -> tuple[bool, list[str]]:
    """(alert?, reasons). A review fails (score under the guide's alert threshold), carries an
    error-level finding (a competitor, a banned term) or reads strongly negative."""
    reasons: list[str] = []
    if review.verdict is Verdict.FAIL:
        reasons.append(f"score {review.score:.0f} is under the alert threshold")
    errors = [f for f in review.findings if f.severity is Severity.ERROR]
    if errors:
        names = ", ".join(sorted({f"“{f.display}”" for f in errors})[:3])
        reasons.append(
            f"{len(errors)} error-level finding{'s' if len(errors) > 1 else ''} ({names})"
        )
    s = review.sentiment
    if s is not None and is_strongly_negative(s):
        reasons.append(f"reads strongly negative ({s.confidence:.0%} confident)")
    return bool(reasons), reasons
