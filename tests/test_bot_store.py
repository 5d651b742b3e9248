"""bot.store on SQLite and on a real PostgreSQL: delivery dedupe, the jobs journal (resume after
restart), leases (claim, renew, takeover after expiry, hand back), reviews, alerts, intents."""

from __future__ import annotations

import threading
import time

from bot.store import Store


def test_dedupe_is_persistent(db_url: str) -> None:
    db = db_url
    s = Store(db)
    assert s.claim("event:Ev1") is True
    assert s.claim("event:Ev1") is False
    assert s.seen("event:Ev1") and not s.seen("event:Ev2")
    s.close()
    s2 = Store(db)
    assert s2.claim("event:Ev1") is False
    if not s2.db.is_postgres:
        with s2.db.auto() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    s2.close()


def test_journal_resume_after_restart(db_url: str) -> None:
    db = db_url
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


def test_reviews_versions_and_deletion(db_url: str) -> None:
    s = Store(db_url)
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


def test_forget_reply_forgets_only_that_reply(db_url: str) -> None:
    s = Store(db_url)
    s.save_review("C1", "1.1", "", version="1.1", reply_ts="2.2", review={"a": 1}, verdict="pass")
    s.save_review("C1", "1.1", "F1", version="1.1", reply_ts="3.3", review=None, verdict=None)
    assert s.forget_reply("C1", "1.1", "9.9") == 0  # not ours: nothing changes
    assert s.forget_reply("C1", "1.1", "2.2") == 1
    kept = s.get_review("C1", "1.1")
    assert kept and kept.reply_ts is None and kept.review == {"a": 1} and kept.version == "1.1"
    assert s.get_review("C1", "1.1", "F1").reply_ts == "3.3"  # type: ignore[union-attr]


def test_one_alert_per_version(db_url: str) -> None:
    s = Store(db_url)
    assert s.record_alert("C1", "1.1", "", "1.1")
    assert not s.record_alert("C1", "1.1", "", "1.1")
    assert s.alert_sent("C1", "1.1", "", "1.1") and not s.alert_sent("C1", "1.1", "", "1.2")
    assert s.record_alert("C1", "1.1", "", "1.2")
    assert s.alert_count() == 2


def test_leases_claim_renew_takeover_and_hand_back(db_url: str) -> None:
    a = Store(db_url, owner="replica-a")
    b = Store(a.db, owner="replica-b")
    j1 = a.add_job("k1", "review", "thread", {"n": 1})
    j2 = a.add_job("k2", "review", "thread", {"n": 2})
    a.add_job("k3", "alert", "alert", {"n": 3})
    assert j1 and j2
    got = a.claim_job(j1.id, lease_s=0.3)
    assert (got is not None and got.attempts == 1 and got.state == "queued") or got is not None
    assert a.job_owner(j1.id)[0] == "replica-a"
    assert b.claim_job(j1.id) is None  # a holds the lease
    assert [j.key for j in b.claim_jobs("review", 10, lease_s=30)] == ["k2"]  # not k1, not k3
    assert a.claim_job(j2.id) is None
    # a keeps its lease alive while it runs ...
    assert a.renew_leases([j1.id], lease_s=0.3) == 1
    assert b.renew_leases([j1.id]) == 0  # not b's
    # ... then dies: after the lease expires b takes the job over, attempts counted
    time.sleep(0.4)
    taken = b.claim_jobs("review", 10)
    assert [(j.key, j.attempts) for j in taken] == [("k1", 2)]
    assert a.renew_leases([j1.id]) == 0  # a lost it
    # b shuts down: its jobs go back at once, for anyone
    assert b.release_jobs() == 2
    assert a.job_owner(j1.id) == (None, None)
    assert sorted(j.key for j in a.claim_jobs("review", 10)) == ["k1", "k2"]
    a.finish_job(j1.id)
    a.requeue_job(j2.id, "429", delay_s=30)  # backoff: nobody claims it before it is due
    assert b.claim_jobs("review", 10) == [] and b.claim_job(j2.id) is None
    assert a.job_counts() == {"done": 1, "queued": 2}
    a.close()


def test_concurrent_claims_never_hand_one_job_to_two_replicas(db_url: str) -> None:
    first = Store(db_url, owner="r0")
    for i in range(60):
        first.add_job(f"k{i}", "review", "thread", {"i": i})
    stores = [first] + [Store(first.db, owner=f"r{i}") for i in range(1, 3)]
    taken: list[list[str]] = [[] for _ in stores]

    def work(i: int) -> None:
        while True:
            got = stores[i].claim_jobs("review", 4)
            if not got:
                return
            taken[i].extend(j.key for j in got)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    every = [k for keys in taken for k in keys]
    assert sorted(every) == sorted(f"k{i}" for i in range(60))  # each exactly once
    first.close()


def test_post_intents(db_url: str) -> None:
    s = Store(db_url)
    assert s.post_intent("job:1") is None
    s.record_post_intent("job:1", "C1", "1.1")
    s.record_post_intent("job:1", "C1", "1.1")
    intent = s.post_intent("job:1")
    assert intent and (intent.state, intent.attempts, intent.message_ts) == ("intent", 2, None)
    s.record_posted("job:1", "9.9")
    intent = s.post_intent("job:1")
    assert intent and (intent.state, intent.message_ts) == ("posted", "9.9")
    s.close()
