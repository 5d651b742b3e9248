"""Fuzz pass through the real model path: seeded random drafts (mentions, markup, emoji, lone
surrogates, NULs, zero-width spaces, long runs) reviewed with the embedded models (int8), checking
that nothing raises, every span slices to its ``matched`` text and every "driven by" word is in
the flagged text.

    python bench/fuzz_models.py [--seconds 150] [--seed 20261130]
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import json
import random
import re
import time

from analyzers import Draft, Reviewer, load_guide
from analyzers.guide import default_guide_path
from analyzers.models.suite import EmbeddedModelSuite
from analyzers.serving import load_predictor_backend
from analyzers.types import SourceFormat

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--seconds", type=float, default=150)
ap.add_argument("--seed", type=int, default=20261130)
args = ap.parse_args()
rng = random.Random(args.seed)
pred = load_predictor_backend(precision="int8", device="cpu").predictor
rv = Reviewer(load_guide(default_guide_path()), EmbeddedModelSuite(pred))
_WORDS = (
    "the our their clowns Brightline LumaSync outage damn sorry you should have read manual "
    "thrilled launch never fails cheapest 100% #1 competitors other apps slow clunky Europe "
    "Dana Kubernetes APIs gRPC honestly lazy users login synergy yeah right great another"
)
WORDS = _WORDS.split()
PIECES = [
    "<@U0ABC>",
    "<#C012|general>",
    "<!here>",
    "&amp;",
    "`code`",
    "**bold**",
    "😅",
    "🎉🎉",
    "\ud800",
    "\u200b",
    "\x00",
    "...",
    "!!!",
    "\n\n",
    "- item\n",
    "> quote\n",
    "https://x.example/a?b",
    "Ａ",
    "é",
    "  ",
    "\t",
]


def draft():
    n = rng.choice([1, 3, 10, 40, 120, 400])
    out = []
    for _ in range(n):
        r = rng.random()
        out.append(rng.choice(PIECES) if r < 0.15 else rng.choice(WORDS))
        if rng.random() < 0.12:
            out.append(rng.choice([".", "!", "?", ";", ","]))
    return " ".join(out)


bad = []
n = 0
t0 = time.time()
explained = 0
while time.time() - t0 < args.seconds:
    texts = [draft() for _ in range(8)]
    fmt = rng.choice([SourceFormat.PLAIN, SourceFormat.MRKDWN, SourceFormat.MARKDOWN])
    try:
        reviews = rv.review([Draft(t, None, fmt) for t in texts])
    except Exception as e:
        bad.append(("exception", repr(e)[:200], texts[0][:80]))
        continue
    for r in reviews:
        n += 1
        clean = r.draft.text
        for f in r.findings:
            if clean[f.span.start : f.span.end] != f.matched and f.matched:
                bad.append(("span", f.rule_id, f.span, f.matched[:40]))
            m = re.search(r"driven by ((?:“[^”]+”(?:, )?)+)", f.message)
            if m:
                explained += 1
                seg = clean[f.span.start : f.span.end]
                for w in re.findall(r"“([^”]+)”", m.group(1)):
                    if w not in seg and w not in f.excerpt:
                        bad.append(("driver", f.rule_id, w, seg[:60]))
print(
    json.dumps(
        {"drafts": n, "explained_findings": explained, "problems": len(bad), "first": bad[:8]},
        default=str,
        indent=1,
    )
)
