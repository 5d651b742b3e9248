"""Manager insights over a real history database: counts, trend, frequent findings and terms,
tone drift against the guide's targets, most dismissed rules; the chart for an empty period."""

from __future__ import annotations

import io
import time
from pathlib import Path

from PIL import Image

from analyzers import default_guide_path, load_guide
from bot.charts import chart_alt_text, render_chart
from bot.insights import Insights, compute_insights, tone_targets
from bot.storage import open_database
from bot.storage.history import FindingRecord, HistoryEntry, ReviewHistory
from bot.storage.votes import Votes


def entry(i: int, *, at: float, score: float, author: str, formality: float) -> HistoryEntry:
    return HistoryEntry(
        review_key=f"k{i}",
        reviewed_at=at,
        kind="thread",
        verdict="pass" if score >= 80 else "fail",
        score=score,
        text_sha256="0" * 64,
        channel="C0A" if i % 2 else "C0B",
        author=author,
        formality=formality,
        confidence=0.8,
        findings=(
            FindingRecord("Brand.Banned_Synergy", "terminology", "warning", 0, 7, "m", "synergy"),
            *(
                (FindingRecord("Brand.Spelling", "style", "warning", 9, 12, "m", "zorb"),)
                * (i % 3 == 0)
            ),
        ),
    )


def test_insights_numbers(tmp_path: Path) -> None:
    db = open_database(tmp_path / "h.sqlite3")
    history, votes = ReviewHistory(db), Votes(db)
    now = time.time()
    for i in range(10):
        history.record(
            entry(i, at=now - (9 - i) * 86400 - 60, score=40 + 6 * i, author="U1", formality=0.3)
        )
    history.record(entry(99, at=now - 40 * 86400, score=10, author="U1", formality=0.3))  # too old
    for voter in ("U2", "U3", "U4"):
        votes.vote(
            channel="C0A",
            ts="1.1",
            part="",
            version="1.1",
            position=0,
            voter=voter,
            vote="dismiss",
            rule="Brand.Banned_Synergy",
            term="Synergy",
        )
    votes.vote(
        channel="C0A",
        ts="1.1",
        part="",
        version="1.1",
        position=1,
        voter="U2",
        vote="helpful",
        rule="Brand.Spelling",
        term="zorb",
    )
    targets = tone_targets(load_guide(default_guide_path()))
    assert targets == {"formality": (0.6, 0.25), "confidence": (0.8, 0.2)}
    ins = compute_insights(history, votes, days=30, targets=targets, now=now)
    assert ins.reviews == 10 and ins.passed == 3 and abs(ins.pass_rate - 0.3) < 1e-9
    assert abs(ins.mean_score - 67.0) < 1e-9
    assert len(ins.trend) == 10 and ins.trend[0].mean_score == 40 and ins.trend[-1].mean_score == 94
    assert ins.top_rules[0] == ("Brand.Banned_Synergy", 10) and ins.top_rules[1] == (
        "Brand.Spelling",
        4,
    )
    assert ins.top_terms[0] == ("synergy", 10)
    formality = next(t for t in ins.tone if t.name == "formality")
    assert abs(formality.drift - (-0.3)) < 1e-9 and not formality.within
    assert next(t for t in ins.tone if t.name == "confidence").within
    [dismissed] = [v for v in ins.dismissed if v.rule == "Brand.Banned_Synergy"]
    assert (dismissed.term, dismissed.dismissed, dismissed.total) == ("synergy", 3, 3)
    assert {c for c, _, _ in ins.channels} == {"C0A", "C0B"}
    # filters
    assert compute_insights(history, None, days=30, channel="C0A", now=now).reviews == 5
    assert compute_insights(history, None, days=30, author="U9", now=now).reviews == 0
    assert compute_insights(history, None, days=100, now=now).reviews == 11
    assert compute_insights(history, None, days=10_000, now=now).days == 366
    assert votes.dismissal_candidates(min_votes=3, min_rate=0.6)[0].rule == "Brand.Banned_Synergy"
    assert votes.dismissal_candidates(min_votes=4, min_rate=0.6) == []
    db.close()


def test_an_empty_period_still_draws_a_readable_chart() -> None:
    ins = Insights(since=0.0, until=7 * 86400.0)
    png = render_chart(ins, "#quiet: brand score")
    img = Image.open(io.BytesIO(png)).convert("RGB")
    assert img.size == (960, 480)
    colors = img.getcolors(maxcolors=960 * 480)
    assert colors is not None and len(colors) > 5  # the "No reviews" text
    assert chart_alt_text(ins, "#quiet") == "#quiet: no reviews in the last 7 days."
