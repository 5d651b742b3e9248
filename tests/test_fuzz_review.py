"""Fuzz: reviews (rules-only reviewer on the example guide) and text handling.

Invariants: no exception escapes; every span lies in the draft and slices to what the finding
says it matched; time per kilobyte on hostile repetitions stays within a generous factor of
normal prose of the same length (a ratio measured here, never an absolute time)."""

from __future__ import annotations

from botkit import real_reviewer
from fuzzkit import FEW, FUZZ, PIECES, normal_like, per_kb, texts
from hypothesis import given
from hypothesis import strategies as st

from analyzers import Draft, SourceFormat
from analyzers.rules.base import split_sentences as rule_sentences
from analyzers.text import split_sentences, to_plain, word_count

formats = st.sampled_from(list(SourceFormat))


@FUZZ
@given(text=texts, fmt=formats)
def test_review_never_raises_and_spans_slice(text: str, fmt: SourceFormat) -> None:
    review = real_reviewer().review_one(Draft(text, format=fmt))
    assert review.draft.text == text
    for f in review.findings:
        assert 0 <= f.span.start <= f.span.end <= len(text), f
        piece = f.span.slice(text)
        assert f.matched == piece or not piece, (f.matched, piece)
        assert f.excerpt == " ".join(f.excerpt.split())
        if fmt is SourceFormat.PLAIN and piece.strip() and "\x00" not in piece:
            assert f.excerpt == " ".join(piece.split()), (f.excerpt, piece)
    for e in review.entities:
        assert 0 <= e.span.start <= e.span.end <= len(text)


@FUZZ
@given(text=texts, fmt=formats)
def test_text_handling_never_raises_and_stays_in_range(text: str, fmt: SourceFormat) -> None:
    doc = to_plain(text, fmt)
    assert len(doc.offsets) >= len(doc.text)
    for a, b in split_sentences(doc.text):
        assert 0 <= a < b <= len(doc.text)
        span = doc.to_original(a, b)
        assert 0 <= span.start <= span.end <= len(text)
    for a, b in rule_sentences(doc.text):
        assert 0 <= a < b <= len(doc.text)
    assert word_count(text) >= 0


hostile_units = st.lists(st.sampled_from(PIECES), min_size=1, max_size=4).map("".join)


@FEW
@given(unit=hostile_units)
def test_time_per_kilobyte_is_bounded(unit: str) -> None:
    text = (unit * (12_000 // max(len(unit), 1) + 1))[:12_000]
    reviewer = real_reviewer()

    def review(t: str) -> object:
        return reviewer.review_one(Draft(t, format=SourceFormat.MRKDWN))

    hostile = per_kb(review, text)
    normal = per_kb(review, normal_like(text))
    # today the worst unit costs ~4x prose per kB; quadratic code was 45-100x at this size
    assert hostile < 20 * normal, f"{unit!r}: {hostile / normal:.0f}x normal prose per kB"
