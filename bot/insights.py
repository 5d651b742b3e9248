"""Manager insights over the review history: score trend, pass rate, frequent findings and terms,
tone drift against the guide's targets, the most dismissed rules.

``compute_insights`` is synchronous (database reads): async callers use ``asyncio.to_thread``.
The window is bounded (``MAX_DAYS``) and so is the number of reviews read (``MAX_REVIEWS``, the
newest are kept); what was left out is said in ``Insights.truncated``.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.storage.history import ReviewHistory
from bot.storage.votes import RuleVotes, Votes

MAX_DAYS = 366
MAX_REVIEWS = 20_000
PASS = "pass"


@dataclass(frozen=True)
class DayPoint:
    day: str  # YYYY-MM-DD (UTC)
    reviews: int
    mean_score: float
    pass_rate: float


@dataclass(frozen=True)
class ToneDrift:
    name: str  # formality / confidence
    mean: float
    target: float
    tolerance: float

    @property
    def drift(self) -> float:
        return self.mean - self.target

    @property
    def within(self) -> bool:
        return abs(self.drift) <= self.tolerance


@dataclass(frozen=True)
class Insights:
    since: float
    until: float
    channel: str | None = None
    author: str | None = None
    reviews: int = 0
    passed: int = 0
    mean_score: float = 0.0
    trend: tuple[DayPoint, ...] = ()
    top_rules: tuple[tuple[str, int], ...] = ()
    top_terms: tuple[tuple[str, int], ...] = ()
    tone: tuple[ToneDrift, ...] = ()
    dismissed: tuple[RuleVotes, ...] = ()
    truncated: bool = False
    channels: tuple[tuple[str, int, float], ...] = field(default=())  # (channel, reviews, mean)

    @property
    def pass_rate(self) -> float:
        return self.passed / self.reviews if self.reviews else 0.0

    @property
    def days(self) -> int:
        return max(1, round((self.until - self.since) / 86400))


def tone_targets(guide: Any) -> dict[str, tuple[float, float]]:
    """The guide's voice targets: name -> (target, tolerance)."""
    voice = getattr(guide, "voice", None)
    out: dict[str, tuple[float, float]] = {}
    for name in ("formality", "confidence"):
        t = getattr(voice, name, None)
        if t is not None:
            out[name] = (float(t.target), float(t.tolerance))
    return out


def compute_insights(
    history: ReviewHistory,
    votes: Votes | None,
    *,
    days: int,
    channel: str | None = None,
    author: str | None = None,
    targets: dict[str, tuple[float, float]] | None = None,
    now: float | None = None,
    top: int = 5,
) -> Insights:
    until = time.time() if now is None else now
    days = max(1, min(int(days), MAX_DAYS))
    since = until - days * 86400
    entries = []
    after = 0
    truncated = False
    while True:
        chunk = history.query(
            since=since, until=until, channel=channel, author=author, after_id=after, limit=2000
        )
        entries.extend(chunk)
        if len(entries) > MAX_REVIEWS:
            entries = entries[-MAX_REVIEWS:]
            truncated = True
        if len(chunk) < 2000:
            break
        after = int(chunk[-1].id or 0)
    by_day: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    rules: Counter[str] = Counter()
    terms: Counter[str] = Counter()
    tone_sums: dict[str, list[float]] = {"formality": [], "confidence": []}
    per_channel: dict[str, list[float]] = defaultdict(list)
    passed = 0
    for e in entries:
        day = datetime.fromtimestamp(e.reviewed_at, UTC).strftime("%Y-%m-%d")
        ok = e.verdict == PASS
        passed += ok
        by_day[day].append((e.score, ok))
        if e.channel:
            per_channel[e.channel].append(e.score)
        for f in e.findings:
            rules[f.rule] += 1
            if f.term:
                terms[f.term] += 1
        if e.formality is not None:
            tone_sums["formality"].append(e.formality)
        if e.confidence is not None:
            tone_sums["confidence"].append(e.confidence)
    trend = tuple(
        DayPoint(
            day,
            len(points),
            sum(s for s, _ in points) / len(points),
            sum(1 for _, ok in points if ok) / len(points),
        )
        for day, points in sorted(by_day.items())
    )
    tone = tuple(
        ToneDrift(name, sum(values) / len(values), *targets[name])
        for name, values in tone_sums.items()
        if values and targets and name in targets
    )
    dismissed: tuple[RuleVotes, ...] = ()
    if votes is not None:
        dismissed = tuple(v for v in votes.by_rule(since=since, limit=top) if v.dismissed)
    return Insights(
        since=since,
        until=until,
        channel=channel,
        author=author,
        reviews=len(entries),
        passed=passed,
        mean_score=sum(e.score for e in entries) / len(entries) if entries else 0.0,
        trend=trend,
        top_rules=tuple(rules.most_common(top)),
        top_terms=tuple(terms.most_common(top)),
        tone=tone,
        dismissed=dismissed,
        truncated=truncated,
        channels=tuple(
            sorted(
                ((c, len(s), sum(s) / len(s)) for c, s in per_channel.items()),
                key=lambda x: -x[1],
            )
        ),
    )
