"""Hostile input: time per kB of the rules-only review and of sentence splitting on the audit's
pathological inputs (issue 8) against normal prose of the same length.

    python bench/hostile.py                  # 40,000 characters, as in the audit
    python bench/hostile.py --chars 10000 --json

Prints one row per input: seconds for the whole review (rules only, the example guide; the
review cap of ``MAX_REVIEW_WORDS`` words applies as in production), seconds for the two sentence
splitters alone, and ms per kB; then the spelling check's word split of one "word!!!…" token,
Vale's one-character-a-step loop (the code before) against the linear split, in this process.
Results are in docs/benchmarks.md ("Hostile input").
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import hostile_inputs as hi  # noqa: E402

from analyzers import Draft, Reviewer, SourceFormat, default_guide_path, load_guide  # noqa: E402
from analyzers.rules.base import split_sentences as rule_sentences  # noqa: E402
from analyzers.text import split_sentences as text_sentences  # noqa: E402

INPUTS: dict[str, Callable[[int], str]] = {
    "normal prose": hi.normal_prose,
    "lower-case chat": hi.lowercase_chat,
    "lower-case chat. ": hi.lowercase_sentences,
    '"a. " repeated': hi.a_dot,
    "dots then a letter": lambda n: "." * (n - 1) + "x",
    '"1. " repeated': lambda n: ("1. " * n)[:n],
    "emoji run": lambda n: "🎉" * n,
    "emoji + skin tone": lambda n: "👍🏽" * (n // 2),
    "one 40k-char word": lambda n: "x" * (n - 1) + ".",
    "999 words, then !!!…": hi.punctuation_flood,
    "made-up words": hi.garbage_words,
}


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chars", type=int, default=40_000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    reviewer = Reviewer(load_guide(default_guide_path()), None)
    reviewer.review_one(Draft("Warm up the rules."))
    rows = []
    for name, make in INPUTS.items():
        text = make(args.chars)
        kb = len(text.encode()) / 1000
        review_s = timed(lambda t=text: reviewer.review_one(Draft(t, format=SourceFormat.MRKDWN)))
        split_s = timed(lambda t=text: rule_sentences(t)) + timed(lambda t=text: text_sentences(t))
        rows.append(
            {
                "input": name,
                "chars": len(text),
                "kB": round(kb, 1),
                "review_s": round(review_s, 3),
                "review_ms_per_kB": round(1000 * review_s / kb, 2),
                "split_s": round(split_s, 4),
            }
        )
    # the spelling split of the "!" run: Vale's loop (the code before) against the linear split
    token = "word" + "!" * (args.chars - 4)
    from analyzers.rules.spelling import _split

    split = {
        "vale_loop_s": round(timed(lambda: hi.vale_split(token)), 3),
        "linear_split_s": round(timed(lambda: _split(token)), 5),
    }
    if args.json:
        print(json.dumps({"rows": rows, "spelling_split": split}, indent=1))
        return 0
    print(f"{'input':<22}{'chars':>8}{'kB':>8}{'review s':>10}{'ms/kB':>9}{'split s':>10}")
    for r in rows:
        print(
            f"{r['input']:<22}{r['chars']:>8}{r['kB']:>8}{r['review_s']:>10}"
            f"{r['review_ms_per_kB']:>9}{r['split_s']:>10}"
        )
    print(f"spelling split of a {len(token):,}-character token: {split}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
