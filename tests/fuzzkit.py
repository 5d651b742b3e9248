"""Shared pieces of the fuzz suite (``tests/test_fuzz_*.py``): seeded, bounded Hypothesis
settings and text strategies that mix prose with Slack / Markdown markup and hostile runs.

Every fuzz test is derandomized (the same examples on every run) and bounded (``max_examples``,
no deadline flakiness): the whole suite runs in the normal test command in well under 2 minutes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ = settings(
    derandomize=True,
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FEW = settings(FUZZ, max_examples=15)

PIECES = [
    "We ",
    "leverage ",
    "synergy",
    " best-in-class",
    " guaranteed!",
    "!!",
    "?",
    ". ",
    ".",
    "...",
    "a. ",
    "e.g. ",
    "1. ",
    "\n",
    "\n\n",
    "\r",
    "\t",
    " ",
    "*bold*",
    "_it_",
    "~x~",
    "`code`",
    "```\nblock\n```",
    "> quote\n",
    "- item\n",
    "# Head\n",
    "<@U0AB12>",
    "<#C0AB12|general>",
    "<!channel>",
    "<!here>",
    "<!subteam^S1|@team>",
    "<https://example.com|link>",
    "<https://x.y>",
    "&amp;",
    "&lt;",
    "<",
    ">",
    "&",
    ":tada:",
    "🎉",
    "👍🏽",
    "🇫🇷",
    "é",
    "ß",
    "\u200b",
    "\u202e",
    "İ",
    "ﬁ",
    "Acme",
    "ACME",
    "acme",
    "$1.99",
    "3.5",
    "U.S.",
    "Dr. ",
    "|",
    "[x](http://a)",
    "**",
    "__",
    "<div>",
    "</div>",
    "<!-- vale off -->",
    "\x00",
    "\ufeff",
]

texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(PIECES), max_size=60).map("".join),
    st.tuples(st.sampled_from(PIECES), st.integers(1, 400)).map(lambda t: t[0] * t[1]),
)

NORMAL = (
    "Our team ships a calm, clear update for every customer this week. "
    "The new dashboard shows usage by project, and exports work in one click. "
    "Tell us what you think: reply in the thread or email the product team. "
)


def per_kb(fn: Callable[[str], object], text: str, runs: int = 2) -> float:
    """Best-of-``runs`` seconds per kilobyte of ``text``."""
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        fn(text)
        best = min(best, time.perf_counter() - t0)
    return best / max(len(text.encode()) / 1000, 0.001)


def normal_like(text: str) -> str:
    n = len(text)
    return (NORMAL * (n // len(NORMAL) + 1))[:n]
