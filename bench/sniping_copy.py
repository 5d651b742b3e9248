"""Sniping inside praise, paragraph by paragraph: a measure the shipped heads never trained on.

    PYTHONPATH=. python bench/sniping_copy.py [--json FILE]

``bench/data/sniping-copy.tsv`` (146 paragraphs, 512 sentences; ``devcopy.tsv``'s columns) was
written by two helpers that never read the code, the docs or the blind sets: developer-tool copy
(groups ``N-p…``) and consumer and SaaS marketing (``O-p…``), 68 paragraphs with one or two
sentences that snipe at another company inside otherwise fair or glowing copy (72 sentences
flagged ``disparage``) and 78 fair twins on the same topics (factual comparisons, credit to a
rival, comparisons with our own past, vendors named plainly in incidents). It was written as
training copy for the safety head; the heads trained on it were not shipped (docs/models.md,
*A sniping round of training copy*), so it measures the shipped reviewer instead. Each
paragraph is reviewed as a draft by the reviewer as the bot runs it (rules + the embedded
models, int8, the example guide). Reported: flagged paragraphs with a sentiment or tone finding
and with ``Sentiment.Disparaging``; flagged sentences inside a ``Sentiment.Disparaging``
finding; model findings per 1,000 words on the fair paragraphs, as ``bench/realcopy.py``
counts them.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import Any

from analyzers import Draft
from analyzers.paths import REPO_ROOT
from analyzers.policy import RULE_DISPARAGING
from bench.common import print_report, served_reviewer
from bench.realcopy import EDITOR_CATS, MODEL_CATS
from training.handwritten import rows

DATA = REPO_ROOT / "bench" / "data" / "sniping-copy.tsv"


def paragraphs(path: Path = DATA) -> list[tuple[str, list[dict[str, str]]]]:
    """(group, its rows in order) for every paragraph of a copy file."""
    out: dict[str, list[dict[str, str]]] = {}
    for r in rows(path):
        out.setdefault(r["group"], []).append(r)
    return list(out.items())


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    paras = paragraphs()
    reviewer = served_reviewer()
    reviews = reviewer.review([Draft(text=" ".join(r["text"] for r in rs)) for _, rs in paras])
    n = Counter[str]()
    by_rule = Counter[str]()
    missed: list[str] = []
    for (_, rs), review in zip(paras, reviews, strict=True):
        found = [f for f in review.findings if f.category in EDITOR_CATS]
        disparaging = [f.span for f in found if f.rule_id == RULE_DISPARAGING]
        start = 0
        for r in rs:  # each sentence's range in the paragraph's text
            end = start + len(r["text"])
            inside = any(s.start <= start and end <= s.end for s in disparaging)
            if "disparage" in r["flags"]:
                n["flagged_sentences"] += 1
                n["flagged_sentences_caught"] += inside
                if not inside:
                    missed.append(r["text"])
            else:
                n["other_sentences_flagged_disparaging"] += inside
            start = end + 1
        if any(r["flags"] != "-" for r in rs):
            n["flagged_paragraphs"] += 1
            n["flagged_paragraphs_with_finding"] += bool(found)
            n["flagged_paragraphs_with_disparaging"] += bool(disparaging)
        else:
            model = [f for f in review.findings if f.category in MODEL_CATS]
            n["fair_paragraphs"] += 1
            n["fair_paragraphs_with_disparaging"] += bool(disparaging)
            n["fair_words"] += sum(len(r["text"].split()) for r in rs)
            by_rule.update(f.rule_id for f in model)
    report: dict[str, Any] = dict(n)
    report["model_findings_per_1000_words_fair"] = round(
        1000 * sum(by_rule.values()) / max(n["fair_words"], 1), 2
    )
    report["fair_findings_by_rule"] = dict(by_rule.most_common())
    report["missed_flagged_sentences"] = missed
    print_report(report, args.json)
    return report


if __name__ == "__main__":
    main()
