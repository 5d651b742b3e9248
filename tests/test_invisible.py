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


@pytest.mark.parametrize(
    "hidden",
    [
        "\u200b\u200c",  # a pair: the joiner's neighbour was the other invisible
        "\u200c\u200c",
        "\u200d\u200c",
        "\u00ad\u200d",
        "\u2061",  # invisible operators
        "\u2064",
        "\u034f",  # combining grapheme joiner
        "\ufe0f",  # variation selectors
        "\ufe00",
        "\U000e0041",  # a tag character
        "\u17b4",
        "\u3164",  # Hangul filler
    ],
)
@pytest.mark.parametrize("fmt", [SourceFormat.PLAIN, SourceFormat.MARKDOWN, SourceFormat.HTML])
def test_every_default_ignorable_inside_a_word_is_read_through(
    hidden: str, fmt: SourceFormat
) -> None:
    """A hostile pass: pairs of invisibles, and invisibles not on the first list (Unicode's
    Default_Ignorable_Code_Point), still hid "cheap"."""
    source = f"Our LumaSync hub is ch{hidden}eap and fast."
    review = Reviewer(load_guide(default_guide_path()), None).review_one(Draft(source, format=fmt))
    (banned,) = [f for f in review.findings if f.rule_id == "Brand.Banned_Cheap"]
    assert banned.matched == f"ch{hidden}eap" == source[banned.span.start : banned.span.end]


def test_emoji_sequences_keep_their_joiners_selectors_and_tags() -> None:
    flag = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    heart = "\u2764\ufe0f"
    keycap = "1\ufe0f\u20e3"
    source = f"We ship to {flag} today {heart} {keycap}"
    assert to_plain(source, SourceFormat.PLAIN).text == source


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
