"""Renders the README's "A manager's week with brandbot" example: two weeks of a fictional
#launches channel reviewed by the real rules-only reviewer (examples/drafts), stored in a real
history database, summarised by the same code as ``/brandcheck stats`` and the weekly digest.

    PYTHONPATH=$PWD .venv/bin/python docs/manager_week.py            # rules only
    PYTHONPATH=$PWD .venv/bin/python docs/manager_week.py --models   # + the embedded models

writes docs/images/manager-week-chart.png and prints the summary text the bot would post (with
the models, the tone readings are there too, so the summary has the tone drift).
"""

from __future__ import annotations

import random
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analyzers import Draft, Reviewer, default_guide_path, load_guide  # noqa: E402
from bot.charts import chart_alt_text, render_chart  # noqa: E402
from bot.insights import compute_insights, tone_targets  # noqa: E402
from bot.lifecycle_blocks import insights_text  # noqa: E402
from bot.storage import open_database  # noqa: E402
from bot.storage.history import ReviewHistory, entry_from_review  # noqa: E402

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC).timestamp()  # a Monday, digest time
CHANNEL = "C0LAUNCHES"
AUTHORS = ("U0ANA", "U0BEN", "U0CHLOE", "U0DEV")


def main() -> None:
    guide = load_guide(default_guide_path())
    models = None
    if "--models" in sys.argv:
        from analyzers import ModelSettings, load_models

        models = load_models(ModelSettings(threads=1))
    reviewer = Reviewer(guide, models)
    drafts = sorted((ROOT / "examples" / "drafts").iterdir())
    reviews = {p.name: reviewer.review([Draft(p.read_text())])[0] for p in drafts}
    good = [n for n, r in reviews.items() if r.verdict.value == "pass"]
    weak = [n for n, r in reviews.items() if r.verdict.value != "pass"]
    rnd = random.Random(13)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "week.sqlite3")
        history = ReviewHistory(db)
        n = 0
        for day in range(14):
            share_good = 0.25 + day * 0.045  # the team learns the guide
            for _ in range(rnd.randint(4, 9)):
                name = rnd.choice(good if rnd.random() < share_good else weak)
                at = NOW - (14 - day) * 86400 + rnd.randint(0, 8 * 3600)
                history.record(
                    entry_from_review(
                        reviews[name],
                        review_key=f"doc:{n}",
                        kind="thread",
                        reviewed_at=at,
                        channel=CHANNEL,
                        author=rnd.choice(AUTHORS),
                    )
                )
                n += 1
        ins = compute_insights(
            history, None, days=14, channel=CHANNEL, targets=tone_targets(guide), now=NOW
        )
        db.close()
    title = "#launches: brand score, last 14 days"
    out = ROOT / "docs" / "images" / "manager-week-chart.png"
    out.write_bytes(render_chart(ins, title))
    print(f"wrote {out.relative_to(ROOT)} ({out.stat().st_size} bytes)")
    print("alt text:", chart_alt_text(ins, "#launches"))
    print()
    print(insights_text(ins, f"Brand stats for <#{CHANNEL}>"))


if __name__ == "__main__":
    main()
