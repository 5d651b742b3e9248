"""``Sentiment.Disparaging`` on sentences written blind to the policy: a check nothing was tuned on.

    PYTHONPATH=. python bench/blind_disparaging.py [--data FILE] [--json FILE]

``bench/data/blind-disparaging.tsv`` (60 sentences, ``text<TAB>label``, 30 ``disparage`` and 30
``ok``) was written by a helper that never read ``analyzers/``, ``tests/`` or ``docs/``, after the
fourth pass's word rules were written. ``blind-disparaging-2.tsv`` (100 sentences, 50 and 50) and
``blind-disparaging-3.tsv`` (120, 60 and 60: more genres, vendors blamed in incident copy) were
written by helpers that read nothing of the project, while the sniping copy was written (whose
writers read neither); the third was opened only to measure, after every choice. All are
labelled as a brand editor would: knocking or sniping at other companies or products, named or
not, against praise of our own, plain bad news, neutral mentions of other tools and vendors
named in incident reports. Each sentence is reviewed alone by
the reviewer as the bot runs it (rules + the embedded models, int8, the example guide). Reported:
disparaging sentences with a ``Sentiment.Disparaging`` finding (and with any sentiment or tone
finding), ok sentences with one, and every miss and false alarm. Do not tune on it: once a rule
is chosen by these sentences, it stops measuring anything.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path
from typing import Any

from analyzers import Draft
from analyzers.paths import REPO_ROOT
from analyzers.policy import RULE_DISPARAGING
from bench.common import print_report, served_reviewer
from bench.realcopy import EDITOR_CATS

DATA = REPO_ROOT / "bench" / "data" / "blind-disparaging.tsv"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DATA, help="a text<TAB>label file")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    with args.data.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    reviewer = served_reviewer()
    reviews = reviewer.review([Draft(text=r["text"]) for r in rows])
    report: dict[str, Any] = {}
    wrong: list[dict[str, Any]] = []
    for label in ("disparage", "ok"):
        hit = anything = n = 0
        for r, review in zip(rows, reviews, strict=True):
            if r["label"] != label:
                continue
            rules = sorted({f.rule_id for f in review.findings if f.category in EDITOR_CATS})
            n += 1
            hit += RULE_DISPARAGING in rules
            anything += bool(rules)
            if (RULE_DISPARAGING in rules) != (label == "disparage"):
                wrong.append({"label": label, "rules": rules, "text": r["text"]})
        report[label] = {"sentences": n, "disparaging": hit, "any_sentiment_or_tone": anything}
    report["wrong"] = wrong
    print_report(report, args.json)
    return report


if __name__ == "__main__":
    main()
