"""bot.storage.history on SQLite and on a real PostgreSQL: record, dedupe, query, retention."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from analyzers import Draft, Finding, Review, Severity, Span, Verdict
from bot.storage import Database, open_database
from bot.storage.history import (
    HistoryEntry,
    ReviewHistory,
    entry_from_review,
    review_key,
    text_hash,
)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    yield database
    database.close()


def a_review(text: str = "We leverage synergy. Our product is great.") -> Review:
    return Review(
        draft=Draft(text=text, id="C1/1.1"),
        findings=(
            Finding(
                rule_id="Brand.Preferred",
                category="terminology",
                severity=Severity.WARNING,
                message="Use 'use' instead of 'leverage'.",
                span=Span(3, 11),
                matched="leverage",
            ),
            Finding(
                rule_id="Brand.Banned",
                category="terminology",
                severity=Severity.ERROR,
                message="Avoid 'synergy'.",
                span=Span(12, 19),
                matched="synergy",
            ),
        ),
        category_scores={"terminology": 61.5, "tone": 90.0},
        score=72.25,
        verdict=Verdict.FAIL,
        word_count=7,
        profile="social",
    )


def entry(key: str, *, at: float, store_text: bool = False, **over: object) -> HistoryEntry:
    where: dict[str, object] = {"author": "U1", **over}
    return entry_from_review(
        a_review(),
        review_key=key,
        kind="thread",
        store_text=store_text,
        reviewed_at=at,
        workspace="T1",
        channel="C1",
        draft_ts="1.1",
        version="1.1",
        reply_channel="C1",
        reply_ts="2.2",
        model_version="multitask-abc+int8",
        guide_version="Acme guide@0123abcd",
        **where,
    )


def test_every_field_round_trips(db: Database) -> None:
    history = ReviewHistory(db)
    now = time.time()
    key = review_key("thread", "C1", "1.1", "", "1.1")
    new_id = history.record(entry(key, at=now))
    assert isinstance(new_id, int)
    got = history.get(key)
    assert got is not None
    assert got.id == new_id and got.reviewed_at == pytest.approx(now)
    assert (got.workspace, got.channel, got.author, got.profile) == ("T1", "C1", "U1", "social")
    assert (got.verdict, got.score, got.word_count) == ("fail", 72.25, 7)
    assert got.scores == {"terminology": 61.5, "tone": 90.0}
    assert [(f.rule, f.severity, f.start, f.end) for f in got.findings] == [
        ("Brand.Preferred", "warning", 3, 11),
        ("Brand.Banned", "error", 12, 19),
    ]
    assert (
        got.findings[1].message == "Avoid 'synergy'." and got.findings[0].category == "terminology"
    )
    assert (got.model_version, got.guide_version) == ("multitask-abc+int8", "Acme guide@0123abcd")
    assert (got.reply_channel, got.reply_ts) == ("C1", "2.2")
    # the text is off by default; its hash is always there
    assert got.text is None
    assert got.text_sha256 == text_hash("We leverage synergy. Our product is great.")


def test_text_is_kept_only_when_asked_and_repeats_are_found_by_hash(db: Database) -> None:
    history = ReviewHistory(db)
    history.record(entry("k1", at=time.time(), store_text=True))
    history.record(entry("k2", at=time.time()))
    first, second = history.get("k1"), history.get("k2")
    assert first is not None and second is not None
    assert first.text == "We leverage synergy. Our product is great." and second.text is None
    assert history.repeats(first.text_sha256) == 2
    assert history.repeats(text_hash("something else")) == 0


def test_a_review_recorded_twice_is_stored_once(db: Database) -> None:
    history = ReviewHistory(db)
    assert history.record(entry("same", at=time.time())) is not None
    assert history.record(entry("same", at=time.time())) is None  # a retry, another replica
    assert history.count() == 1
    got = history.get("same")
    assert got is not None and len(got.findings) == 2 and len(got.scores) == 2


def test_query_windows_filters_and_paging(db: Database) -> None:
    history = ReviewHistory(db)
    base = 1_700_000_000.0
    for i in range(7):
        history.record(entry(f"k{i}", at=base + i * 3600, **({"author": "U2"} if i % 2 else {})))
    assert [e.review_key for e in history.query(since=base + 3600, until=base + 4 * 3600)] == [
        "k1",
        "k2",
        "k3",
    ]
    assert [e.review_key for e in history.query(author="U2")] == ["k1", "k3", "k5"]
    assert [e.review_key for e in history.iter(since=base, batch=2)] == [f"k{i}" for i in range(7)]
    assert history.count(since=base + 5 * 3600) == 2


def test_retention_deletes_old_reviews_with_their_scores_and_findings(db: Database) -> None:
    from sqlalchemy import func, select

    from bot.storage.schema import review_findings, review_scores

    history = ReviewHistory(db)
    now = time.time()
    for i in range(5):
        history.record(entry(f"old{i}", at=now - 40 * 86400 - i))
    history.record(entry("new", at=now - 86400))
    assert history.delete_older_than(now - 30 * 86400, batch=2) == 5
    assert [e.review_key for e in history.query()] == ["new"]
    with db.auto() as conn:
        assert conn.execute(select(func.count()).select_from(review_findings)).scalar() == 2
        assert conn.execute(select(func.count()).select_from(review_scores)).scalar() == 2
    assert history.delete_older_than(now - 30 * 86400) == 0


def test_a_kind_outside_the_list_is_refused() -> None:
    with pytest.raises(ValueError, match="history kind must be one of"):
        entry_from_review(a_review(), review_key="k", kind="dm")
