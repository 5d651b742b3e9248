"""Whom a disparaging sentence is about, when no organisation is named: the policy's word
targets (``analyzers.policy``: other-party words, competing products left unnamed, pronouns)
sentence by sentence, against the editors' flags.

    PYTHONPATH=. python bench/policy_targets.py [--json FILE]

Sentences of the developer-tool copy (``training/data/devcopy.tsv``, flag ``disparage`` or not),
the untuned copy (``bench/data/untuned-copy.tsv``, no flags) and realcopy-dev (flagged when the
paragraph needs a tone change) that use one of those words are read by the shipped model (int8,
as served) and judged by :func:`analyzers.policy.policy_findings` with no entities, so only the
word targets decide. Reported per set, for the shipped policy and for the same policy without
the two word rules of the fourth pass (competing products left unnamed, "they" after "our
<things>"), in the same process: sentences with a ``Sentiment.Disparaging`` finding, of them
flagged, and the flagged ones missed. The heads trained on the developer-tool copy, so its
figures are in-sample for the model; the word rules were written from three of its sentences
and the re-check's synthetic ones.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

import torch

import analyzers.policy as policy
from analyzers import load_guide
from analyzers.engine import default_threads
from analyzers.paths import REPO_ROOT, shared_dir
from analyzers.policy import RULE_DISPARAGING, SentenceEvidence, policy_findings
from analyzers.serving import load_predictor_backend
from analyzers.types import Span
from bench.common import print_report
from bench.untuned_copy import read as untuned_copy
from training.handwritten import DEVCOPY
from training.handwritten import rows as copy_rows

WORDS = re.compile(
    r"\b(?:they|their|theirs|them|those|others?|competitors?|competition|rivals?|vendors?|"
    r"providers?|brands?|incumbents?|everyone else|on the market)\b",
    re.IGNORECASE,
)
NEVER = re.compile(r"(?!)")


def sentences() -> list[tuple[str, str, bool]]:
    """(set, sentence, flagged) for every sentence that uses a target word."""
    devcopy = copy_rows(REPO_ROOT / DEVCOPY)
    out = [("devcopy", r["text"], "disparage" in r["flags"]) for r in devcopy]
    out += [("untuned", text, False) for text in untuned_copy()[0]]
    dev = shared_dir() / "data/realcopy-dev/dev.jsonl"
    if dev.exists():
        for x in dev.read_text(encoding="utf-8").splitlines():
            r = json.loads(x)
            for s in r["sentences"]:
                said = r["text"][s["start"] : s["end"]]
                out.append(("realcopy-dev", said, r["tone_change_needed"] == "yes"))
    return [r for r in out if WORDS.search(r[1])]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    torch.set_num_threads(default_threads())
    guide = load_guide(REPO_ROOT / "examples/brand-guide.yaml")
    rows = sentences()
    predictor = load_predictor_backend(precision="int8", device="cpu").predictor
    preds = predictor.predict([r[1] for r in rows])
    evidence = [
        SentenceEvidence(Span(0, len(said)), p.sentiment, getattr(p, "safety", {}))
        for (_, said, _), p in zip(rows, preds, strict=True)
    ]

    def judge() -> list[bool]:
        return [
            any(f.rule_id == RULE_DISPARAGING for f in policy_findings(said, [ev], [], guide))
            for (_, said, _), ev in zip(rows, evidence, strict=True)
        ]

    shipped = judge()
    kept = policy.RIVAL_WORDS, policy.OUR_THINGS
    policy.RIVAL_WORDS, policy.OUR_THINGS = NEVER, NEVER
    try:
        before = judge()
    finally:
        policy.RIVAL_WORDS, policy.OUR_THINGS = kept

    report: dict[str, Any] = {"sentences": len(rows)}
    for name, fired in (("before the word rules", before), ("shipped", shipped)):
        per: dict[str, Any] = {}
        for part in ("devcopy", "untuned", "realcopy-dev"):
            idx = [i for i, r in enumerate(rows) if r[0] == part]
            hits = [i for i in idx if fired[i]]
            per[part] = {
                "sentences": len(idx),
                "findings": len(hits),
                "flagged": sum(rows[i][2] for i in hits),
                "flagged_missed": sum(rows[i][2] and not fired[i] for i in idx),
            }
        report[name] = per
    report["changed"] = [
        {"set": r[0], "flagged": r[2], "now": s, "sentence": r[1][:120]}
        for r, b, s in zip(rows, before, shipped, strict=True)
        if b != s
    ]
    print_report(report, args.json)
    return report


if __name__ == "__main__":
    main()
