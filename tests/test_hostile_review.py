"""Issue 8, severe 3 and item 8: text handling is linear, reviews are capped and budgeted, a slow
draft never holds up the others, and raw-scope spans point at the markup they matched.

Timing here is only ever a *ratio* (growth with size, min of three runs, a generous bound), never
an absolute time.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence

import hostile_inputs as hi
import pytest
from botkit import FakeReviewer

from analyzers import Draft, Review, Reviewer, SourceFormat, default_guide_path, load_guide
from analyzers.reviewer import CHARS_PER_WORD, MAX_FINDINGS_PER_RULE, RAW_CHARS_PER_WORD
from analyzers.rules import load_rule, run_rules
from analyzers.rules.base import split_sentences as rule_sentences
from analyzers.text import split_sentences as text_sentences
from analyzers.text import to_plain, word_prefix_end
from analyzers.types import Verdict
from bot.jobs import ExecutorReviewService

PATHOLOGICAL: dict[str, Callable[[int], str]] = {
    "a. repeated": hi.a_dot,
    "lower-case chat": hi.lowercase_chat,
    "lower-case chat with full stops": hi.lowercase_sentences,
    "dots then a letter": lambda n: "." * (n - 1) + "x",
    "numbered": lambda n: ("1. " * n)[:n],
    "abbreviations": lambda n: ("e.g. " * n)[:n],
    "long word then dot": lambda n: ("x" * 5000 + ". a ") * (n // 5004 + 1),
    "emoji run": lambda n: "🎉" * n,
    "emoji with skin tone": lambda n: "👍🏽" * (n // 2),
    "flags": lambda n: "🇫🇷" * (n // 2),
}


def _best_of(fn: Callable[[str], object], text: str, runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        fn(text)
        best = min(best, time.perf_counter() - t0)
    return best


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
@pytest.mark.parametrize("splitter", [rule_sentences, text_sentences], ids=["rules", "text"])
def test_sentence_splitting_is_linear(name: str, splitter: Callable[[str], object]) -> None:
    make = PATHOLOGICAL[name]
    # 8x the text: linear is 8x the time, quadratic 64x. The wide margin keeps a busy machine's
    # noise (seen up to 15x on 2 loaded cores) from failing a linear splitter.
    small, big = make(4_000), make(32_000)
    growth = _best_of(splitter, big) / max(_best_of(splitter, small, runs=5), 1e-5)
    assert growth < 32, f"{name}: 8x the text took {growth:.1f}x the time (quadratic is 64x)"


def test_sentence_splitting_keeps_its_behaviour() -> None:
    text = "Dr. Smith arrived. It was 3.5 p.m. and we left! Then a. b. c. Fine."
    spans = rule_sentences(text)
    first_two = [text[a:b] for a, b in spans][:2]
    assert first_two == ["Dr. Smith arrived.", "It was 3.5 p.m. and we left!"]
    assert text_sentences("1. Install it.\n2. Run it.") == [(0, 14), (15, 25)]


def _rules_reviewer(**kw: object) -> Reviewer:
    return Reviewer(load_guide(default_guide_path()), None, **kw)  # type: ignore[arg-type]


def test_long_draft_is_capped_with_a_note() -> None:
    reviewer = _rules_reviewer(max_words=300)
    text = "We leverage synergy today. " * 200  # 800 words
    review = reviewer.review_one(Draft(text))
    cut = word_prefix_end(text, 300)
    assert cut is not None
    assert review.draft.text == text  # the original draft, whole
    assert review.skipped["words after 300"] == (
        "reviewed the first 300 words of 800; send the rest as a separate draft"
    )
    assert review.findings and all(f.span.end <= cut for f in review.findings)
    assert review.word_count == 300
    short = reviewer.review_one(Draft("We leverage synergy today."))
    assert not any(k.startswith("words after") for k in short.skipped)


def test_rule_time_budget_stops_the_rules_and_says_so() -> None:
    reviewer = _rules_reviewer(rules_budget_s=0.0)
    review = reviewer.review_one(Draft("We leverage synergy today. " * 50))
    note = review.skipped["rules after the time budget"]
    assert note.startswith("the rule check stopped after 0 s (")
    # rules that did not run found nothing, which is no pass (80,000 banned words timed a rule
    # out, and the draft passed)
    plain = reviewer.review_one(Draft("Our hub ships today and works with every light."))
    assert "rules after the time budget" in plain.skipped
    assert plain.findings == () and plain.verdict is Verdict.NEEDS_WORK


def test_the_cap_counts_the_text_as_read_not_the_markup() -> None:
    """A hostile pass: 5,600 words of inline <script> used up the 5,000-word cap, the body was
    never read, and the page passed with 0 words; words joined by hyphens count as one, so 627 kB
    reached every rule whole (200 s)."""
    reviewer = _rules_reviewer(max_words=300)
    script = "var users = " + " + ".join(["cheap"] * 600) + ";"
    page = f"<html><head><script>{script}</script></head><body><p>Our cheap plan.</p></body>"
    review = reviewer.review_one(Draft(page, format=SourceFormat.HTML))
    assert [f.matched for f in review.findings if f.rule_id == "Brand.Banned_Cheap"] == ["cheap"]
    assert not any(k.startswith("words after") for k in review.skipped)
    assert review.word_count == 3
    joined = "-".join(["cheap"] * 20_000) + "."  # one "word" of 120,000 characters
    long = reviewer.review_one(Draft(joined))
    chars = 300 * CHARS_PER_WORD
    assert long.skipped[f"characters after {chars:,}"].startswith(f"reviewed the first {chars:,}")
    banned = [f for f in long.findings if f.rule_id == "Brand.Banned_Cheap"]
    assert len(banned) == MAX_FINDINGS_PER_RULE and all(f.span.end <= chars for f in banned)
    more = long.skipped["more Brand.Banned_Cheap"]
    assert more.endswith(f"are not listed (the first {MAX_FINDINGS_PER_RULE} are)")
    assert long.verdict is not Verdict.PASS
    # markup is read for its text up to a bound, and the review says where it stopped
    small = _rules_reviewer(max_words=10)
    heavy = f"<script>{'var x = 1; ' * 400}</script><p>Our cheap plan.</p>"
    review = small.review_one(Draft(heavy, format=SourceFormat.HTML))
    limit = 10 * RAW_CHARS_PER_WORD
    note = review.skipped[f"source after {limit:,} characters"]
    assert note.startswith(f"reviewed the first {limit:,} characters of the source")
    assert review.findings == () and review.verdict is not Verdict.PASS


class _GatedReviewer(FakeReviewer):
    """Long drafts wait (in the review thread) until a short draft's review is out."""

    def __init__(self) -> None:
        super().__init__()
        self.short_done = threading.Event()
        self.order: list[str] = []

    def review(self, drafts: Sequence[Draft], *, profile: str | None = None) -> list[Review]:
        if any(len(d.text) > 5_000 for d in drafts):
            self.short_done.wait(10)
            self.order.append("long")
        else:
            self.order.append("short")
        out = super().review(drafts, profile=profile)
        return out


async def test_a_long_draft_never_holds_up_short_ones() -> None:
    reviewer = _GatedReviewer()
    service = ExecutorReviewService(reviewer, threads=1, long_words=1_000)
    try:
        long_task = asyncio.create_task(service.review([Draft(hi.normal_prose(40_000))]))
        await asyncio.sleep(0.05)  # the long draft is being reviewed
        [short] = await asyncio.wait_for(service.review([Draft("A calm short draft.")]), 5)
        reviewer.short_done.set()
        [long] = await asyncio.wait_for(long_task, 15)
        assert reviewer.order == ["short", "long"]
        assert short.draft.text == "A calm short draft." and long.draft.text.startswith("Our")
    finally:
        reviewer.short_done.set()
        await service.aclose()


async def test_few_words_with_a_flood_of_characters_go_to_the_long_lane() -> None:
    """999 words and 35,000 "!" counted as short (a lane of its own only over 1,000 words), so
    it shared the short drafts' runner; characters count too now."""
    from analyzers import is_long_draft

    flood = " ".join(["word"] * 999) + "!" * 35_000
    assert is_long_draft(flood) and not is_long_draft(" ".join(["word"] * 999))
    reviewer = _GatedReviewer()
    service = ExecutorReviewService(reviewer, threads=1, long_words=1_000)
    try:
        long_task = asyncio.create_task(service.review([Draft(flood)]))
        await asyncio.sleep(0.05)
        await asyncio.wait_for(service.review([Draft("A calm short draft.")]), 5)
        reviewer.short_done.set()
        await asyncio.wait_for(long_task, 15)
        assert reviewer.order == ["short", "long"]
    finally:
        reviewer.short_done.set()
        await service.aclose()


def test_raw_scope_spans_map_to_the_markup_they_matched() -> None:
    text = "Hi <!subteam^S1|@team> there"
    rule = load_rule(
        "Test.Raw",
        {
            "extends": "existence",
            "message": "no %s",
            "scope": "raw",
            "tokens": ["<!subteam"],
            "nonword": True,
        },
        source="test",
    )
    doc = to_plain(text, SourceFormat.MRKDWN)
    [alert] = run_rules([rule], doc)
    assert alert.original == (3, 12)
    assert text[slice(*alert.original)] == "<!subteam"

    from analyzers.reviewer import _alert_to_finding

    finding = _alert_to_finding(alert, doc)
    assert (finding.span.start, finding.span.end) == (3, 12)
    assert finding.matched == "<!subteam" and finding.excerpt == "<!subteam"


def test_the_findings_cap_lists_fewer_but_scores_them_all() -> None:
    """A hostile pass: capping the listed findings before scoring raised 1,000 banned words
    from 69 to 74, past a --fail-under 70."""
    reviewer = _rules_reviewer(max_words=10_000)
    few = reviewer.review_one(Draft("Our hub is cheap. " * (MAX_FINDINGS_PER_RULE - 1)))
    many = reviewer.review_one(Draft("Our hub is cheap. " * 1000))
    assert len([f for f in many.findings if f.rule_id == "Brand.Banned_Cheap"]) == (
        MAX_FINDINGS_PER_RULE
    )
    assert "more Brand.Banned_Cheap" in many.skipped
    # ten times the banned words per draft scores no better than the capped number would
    assert many.score <= few.score


@pytest.mark.parametrize(
    ("open_tag", "line", "close_tag"),
    [
        ("<!--", "lorem ipsum dolor sit amet consectetur adipiscing elit sed do", "-->"),
        ("<style>", ".panel .header a:hover { color: blue; margin: 0 auto; }", "</style>"),
        ("<script>", "var widgetConfig = { name: 'panel', size: 10, color: 'blue' };", "</script>"),
    ],
)
def test_hidden_markdown_html_past_the_window_stays_hidden(
    open_tag: str, line: str, close_tag: str
) -> None:
    """A hostile pass: a Markdown window that ended inside a long comment or <style> left it
    open, and an unclosed one is text: the hidden text was reviewed, the body was not, and the
    draft passed."""
    reviewer = _rules_reviewer(max_words=300)
    hidden = "\n".join([line] * 400)
    source = f"Intro here.\n\n{open_tag}\n{hidden}\n{close_tag}\n\nOur cheap plan.\n"
    review = reviewer.review_one(Draft(source, format=SourceFormat.MARKDOWN))
    assert review.word_count == 5
    assert [f.matched for f in review.findings if f.rule_id == "Brand.Banned_Cheap"] == ["cheap"]
    assert not any(k.startswith("words after") for k in review.skipped)
