"""bot.store: delivery dedupe, the jobs journal (resume after restart), reviews, alerts."""

from __future__ import annotations

from pathlib import Path

from bot.store import Store


def test_dedupe_is_persistent(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite3"
    s = Store(db)
    assert s.claim("event:Ev1") is True
    assert s.claim("event:Ev1") is False
    assert s.seen("event:Ev1") and not s.seen("event:Ev2")
    s.close()
    s2 = Store(db)
    assert s2.claim("event:Ev1") is False
    assert s2._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_journal_resume_after_restart(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite3"
    s = Store(db)
    a = s.add_job("k1", "review", "thread", {"text": "one"})
    b = s.add_job("k2", "review", "thread", {"text": "two"})
    c = s.add_job("k3", "alert", "alert", {"x": 1})
    assert a and b and c
    assert s.add_job("k1", "review", "thread", {"text": "again"}) is None  # same key: dedupe
    s.start_job(a.id)
    s.finish_job(a.id)
    s.start_job(b.id)  # "crash" while b runs
    s.close()

    s2 = Store(db)
    left = s2.unfinished_jobs()
    assert [(j.key, j.state, j.attempts) for j in left] == [
        ("k2", "running", 1),
        ("k3", "queued", 0),
    ]
    assert left[0].payload == {"text": "two"}
    s2.finish_job(left[0].id, error="boom")
    assert s2.job_counts() == {"done": 1, "failed": 1, "queued": 1}
    s2.requeue_job(left[0].id, "retry")
    assert [j.key for j in s2.unfinished_jobs()] == ["k2", "k3"]


def test_reviews_versions_and_deletion(tmp_path: Path) -> None:
    s = Store(tmp_path / "s.sqlite3")
    assert s.get_review("C1", "1.1") is None
    s.save_review("C1", "1.1", "", version="1.1", reply_ts="2.2", review={"a": 1}, verdict="pass")
    s.save_review("C1", "1.1", "F1", version="1.1", reply_ts="3.3", review=None, verdict=None)
    s.save_review("C1", "1.1", "", version="1.5", reply_ts="2.2", review={"a": 2}, verdict="fail")
    r = s.get_review("C1", "1.1")
    assert r and r.version == "1.5" and r.review == {"a": 2} and r.reply_ts == "2.2"
    assert [x.part for x in s.reviews_for_message("C1", "1.1")] == ["", "F1"]
    assert not s.is_deleted("C1", "1.1")
    before = s.mark_deleted("C1", "1.1")
    assert len(before) == 2 and s.is_deleted("C1", "1.1")
    s.mark_deleted("C1", "9.9")  # deleting a draft never reviewed still blocks a late review
    assert s.is_deleted("C1", "9.9")


def test_one_alert_per_version(tmp_path: Path) -> None:
    s = Store(tmp_path / "s.sqlite3")
    assert s.record_alert("C1", "1.1", "", "1.1")
    assert not s.record_alert("C1", "1.1", "", "1.1")
    assert s.alert_sent("C1", "1.1", "", "1.1") and not s.alert_sent("C1", "1.1", "", "1.2")
    assert s.record_alert("C1", "1.1", "", "1.2")
    assert s.alert_count() == 2
