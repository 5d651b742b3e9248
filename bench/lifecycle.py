"""The cost of the managers' features (issue 13) on the history they read: stats over 20,000
reviews (the most one call reads), the chart, and the Home tab of a manager.

    PYTHONPATH=$PWD nice -n 10 .venv/bin/python bench/lifecycle.py [--reviews 20000]

All of it runs in worker threads in the bot (never on the event loop); this says how long a
worker is busy. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import common  # noqa: F401  (sys.path, offline)

from analyzers import default_guide_path, load_guide
from bot.charts import render_chart
from bot.home import build_home
from bot.insights import compute_insights, tone_targets
from bot.storage import open_database
from bot.storage.history import FindingRecord, HistoryEntry, ReviewHistory
from bot.storage.votes import Votes
from bot.store import Store


def seed(history: ReviewHistory, n: int, now: float) -> None:
    for i in range(n):
        history.record(
            HistoryEntry(
                review_key=f"b:{i}",
                reviewed_at=now - (i % 30) * 86400 - i % 3600,
                kind="thread",
                verdict="pass" if i % 3 else "needs_work",
                score=55.0 + i % 45,
                text_sha256="0" * 64,
                channel=f"C0CH{i % 25:02d}",
                author=f"U0AU{i % 60:02d}",
                formality=0.4 + (i % 5) / 10,
                confidence=0.7,
                scores={"terminology": 80.0, "tone": 70.0},
                findings=tuple(
                    FindingRecord(
                        f"Brand.R{(i + j) % 40}", "terminology", "warning", j, j + 4, "m", f"w{j}"
                    )
                    for j in range(4)
                ),
            )
        )


def timed(fn, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reviews", type=int, default=20_000)
    args = ap.parse_args()
    guide = load_guide(default_guide_path())
    now = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "bench.sqlite3")
        history, votes = ReviewHistory(db), Votes(db)
        t0 = time.perf_counter()
        seed(history, args.reviews, now)
        print(f"seeded {args.reviews} reviews in {time.perf_counter() - t0:.1f}s (SQLite)")
        targets = tone_targets(guide)
        ins = compute_insights(history, votes, days=30, targets=targets, now=now)
        med, worst = timed(
            lambda: compute_insights(history, votes, days=30, targets=targets, now=now), 3
        )
        print(
            f"stats, all channels, 30 days ({ins.reviews} reviews): "
            f"median {med:.0f} ms, max {worst:.0f} ms"
        )
        med, worst = timed(
            lambda: compute_insights(history, votes, days=30, channel="C0CH01", now=now), 5
        )
        print(f"stats, one channel, 30 days: median {med:.0f} ms, max {worst:.0f} ms")
        med, worst = timed(lambda: render_chart(ins, "#launches: brand score"), 5)
        print(
            f"chart PNG (960x480, {len(ins.trend)} days): median {med:.0f} ms, max {worst:.0f} ms"
        )
        ctx = SimpleNamespace(
            history=history,
            store=Store(db),
            guide=guide,
            settings=SimpleNamespace(manager_ids=("U0AU01",), admin_ids=()),
        )
        med, worst = timed(lambda: build_home(ctx, "U0AU01", now=now), 3)
        print(f"Home tab of a manager: median {med:.0f} ms, max {worst:.0f} ms")
        db.close()


if __name__ == "__main__":
    main()
