"""Many banned terms: one rule per term (before) against one ``brand-terms`` rule (after).

    python bench/terms.py                          # 100, 1,000 and 10,000 terms, 100 kB
    python bench/terms.py --terms 10000 --kb 100 --json terms.json

A guide with N banned terms (made-up words ``term0`` ... plus a few real ones) is compiled both
ways and run over the same 100 kB of generated prose (which contains some of the terms):

* **before**: what the guide compiled to until issue 8 / 9, one Vale existence rule per term
  (``tokens: [term]``, ``ignorecase: true``), so N rules each scan the whole text;
* **after**: the guide's compiler today, one ``brand-terms`` rule whose trie-shaped regular
  expression holds every term and its inflections.

Prints the rule count, compile time and rule time per 100 kB, and checks that both find the
same words (the "after" side also finds inflected forms, so it may find more).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine_info

from analyzers.guide import parse_guide
from analyzers.reviewer import compile_rules
from analyzers.rules import load_rule, run_rules
from analyzers.text import to_plain

WORDS = [
    "the",
    "light",
    "office",
    "scene",
    "schedule",
    "customer",
    "team",
    "hub",
    "lamp",
    "warm",
    "bright",
    "room",
    "morning",
    "energy",
    "saves",
    "dims",
    "turns",
    "every",
    "with",
    "your",
    "our",
    "and",
    "a",
    "of",
    "to",
    "in",
    "on",
    "for",
    "is",
    "are",
]


def make_text(kb: int, terms: list[str], seed: int = 7) -> str:
    rng = random.Random(seed)
    out: list[str] = []
    size = 0
    while size < kb * 1000:
        n = rng.randint(8, 22)
        words = [rng.choice(WORDS) for _ in range(n)]
        if rng.random() < 0.2:
            words[rng.randrange(n)] = rng.choice(terms)
        sentence = " ".join(words).capitalize() + "."
        out.append(sentence)
        size += len(sentence) + 1
    return " ".join(out)


def guide_yaml(terms: list[str]) -> str:
    lines = ["name: Bench", "claim_checks: {superlatives: false, absolutes: false}", "banned:"]
    for t in terms:
        lines += [f"  - term: {t}", "    reason: Not our word"]
    return "\n".join(lines) + "\n"


def before_rules(terms: list[str]) -> list[Any]:
    return [
        load_rule(
            f"Brand.Banned_{i}",
            {
                "extends": "existence",
                "message": "Avoid '%s'.",
                "level": "error",
                "ignorecase": True,
                "tokens": [t],
            },
        )
        for i, t in enumerate(terms)
    ]


def measure(n: int, kb: int) -> dict[str, Any]:
    real = ["cheap", "synergy", "revolutionary", "leverage", "crazy"]
    terms = real + [f"term{i}" for i in range(max(0, n - len(real)))]
    text = make_text(kb, terms)
    doc = to_plain(text)
    t0 = time.perf_counter()
    old = before_rules(terms)
    old_compile = time.perf_counter() - t0
    t0 = time.perf_counter()
    old_alerts = run_rules(old, doc)
    old_run = time.perf_counter() - t0
    t0 = time.perf_counter()
    new = list(compile_rules(parse_guide(guide_yaml(terms))))
    new_compile = time.perf_counter() - t0
    t0 = time.perf_counter()
    new_alerts = [a for a in run_rules(new, doc) if a.check.startswith("Brand.Banned")]
    new_run = time.perf_counter() - t0
    old_spans = {(a.start, a.end) for a in old_alerts}
    new_spans = {(a.start, a.end) for a in new_alerts}
    per = 100 / kb
    return {
        "terms": len(terms),
        "kb": kb,
        "before_rules": len(old),
        "after_rules": len(new),
        "before_compile_s": round(old_compile, 3),
        "after_compile_s": round(new_compile, 3),
        "before_s_per_100kb": round(old_run * per, 3),
        "after_s_per_100kb": round(new_run * per, 3),
        "before_hits": len(old_spans),
        "after_hits": len(new_spans),
        "after_finds_all_before_hits": old_spans <= new_spans,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--terms", default="100,1000,10000", help="comma-separated term counts")
    ap.add_argument("--kb", type=int, default=100, help="kilobytes of text")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    results = [measure(int(n), args.kb) for n in args.terms.split(",")]
    head = (
        f"{'terms':>7} {'rules before':>12} {'after':>5} {'compile before':>14} "
        f"{'after':>7} {'s/100kB before':>14} {'after':>7} {'same hits':>9}"
    )
    print(head)
    for r in results:
        print(
            f"{r['terms']:>7} {r['before_rules']:>12} {r['after_rules']:>5} "
            f"{r['before_compile_s']:>14.3f} {r['after_compile_s']:>7.3f} "
            f"{r['before_s_per_100kb']:>14.3f} {r['after_s_per_100kb']:>7.3f} "
            f"{r['after_finds_all_before_hits']!s:>9}"
        )
    if args.json:
        args.json.write_text(json.dumps({"machine": machine_info(), "results": results}, indent=1))


if __name__ == "__main__":
    main()
