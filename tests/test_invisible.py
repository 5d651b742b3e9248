"""Invisible characters are taken out of the text the rules and models read; spans still slice
the source (``analyzers/text/invisible.py``)."""

from __future__ import annotations

import pytest

from analyzers import Draft, Reviewer, SourceFormat, default_guide_path, load_guide
from analyzers.text import to_plain


@pytest.mark.parametrize(
    ("source", "fmt"),
    [
        ("Our ch\u200beap plan.", SourceFormat.PLAIN),
        ("Our ch\u00adeap plan.", SourceFormat.MRKDWN),
        ("Our ch\u202eeap plan.", SourceFormat.MARKDOWN),
        ("<p>Our ch&shy;eap plan.</p>", SourceFormat.HTML),
        ("<p>Our ch&#8203;eap plan.</p>", SourceFormat.HTML),
    ],
)
def test_a_hidden_character_no_longer_hides_a_banned_word(source: str, fmt: SourceFormat) -> None:
    """A hostile pass: "ch\\u200beap" renders as "cheap" in Slack and browsers, and passed."""
    review = Reviewer(load_guide(default_guide_path()), None).review_one(Draft(source, format=fmt))
    (banned,) = [f for f in review.findings if f.rule_id == "Brand.Banned_Cheap"]
    shown = source[banned.span.start : banned.span.end]
    assert shown.startswith("ch") and shown.endswith("eap") and banned.matched == shown


def test_joiners_inside_emoji_stay_and_every_map_keeps_step() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    source = f"# Title\n\nOur lumas\u200bync app {family} is\u200b here.\n"
    doc = to_plain(source, SourceFormat.MARKDOWN)
    assert doc.text == f"Title\n\nOur lumasync app {family} is here."
    for i, ch in enumerate(doc.text):
        if not doc.is_replaced(i):
            assert source[doc.offsets[i]] == ch
    word = doc.text.index("lumasync")
    span = doc.to_original(word, word + len("lumasync"))
    assert source[span.start : span.end] == "lumas\u200bync"
    assert [doc.text[b.start : b.end] for b in doc.blocks] == [
        "Title",
        f"Our lumasync app {family} is here.",
    ]
