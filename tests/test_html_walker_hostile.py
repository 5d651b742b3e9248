"""The HTML walker (``analyzers/vale/markup.py``) on hostile pages: it reads what a browser shows.

A hostile pass (audit-hostile2) found pages whose body was never read, so the draft passed: a
pre-scan took a "<!--" inside a script, a style, a textarea or a quoted attribute for an unclosed
comment, "<![foo[" crashed CPython's HTMLParser, "<!--.--!>" repeated and many raw HTML blocks
in Markdown were quadratic. Growth is checked by counting what is scanned, never by a clock.
"""

from __future__ import annotations

import re

import pytest

from analyzers import Draft, Reviewer, SourceFormat, default_guide_path, load_guide
from analyzers.text import to_plain
from analyzers.vale import markup
from analyzers.vale.markup import parse_html, parse_markdown

BODY = "<p>Our lumasync app is the cheapest on the market.</p>"

# a browser reads these as raw text, an attribute value or an empty comment: no comment opens
NOT_A_COMMENT = {
    "script": "<script>var s = '<!--';</script>",
    "script indexOf": "<script>if (h.indexOf('<!--') >= 0) x();</script>",
    "style": "<style>/* <!-- legacy */ p{}</style>",
    "textarea": "<textarea>Type <!-- here</textarea>",
    "title": "<title>A <!-- B</title>",
    "noscript": "<noscript><!-- x</noscript>",
    "xmp": "<xmp><!-- x</xmp>",
    "quoted attribute": "<a title='<!--'>Home</a>",
    "alt text": "<img alt='<!-- x' src=a.png>",
    "empty comment": "<!-->",
    "empty comment with a dash": "<!--->",
    # HTMLParser raised AssertionError on these marked sections; a browser drops them up to ">"
    "unknown marked section": "<![foo[ x ]]>",
    "marked section with a space": "<![ CDATA[ x ]]>",
    "marked section with a digit": "<![1]>",
}


def _paragraphs(page: str) -> list[str]:
    doc = parse_html(page)
    for seg in doc.segments:  # every character points at itself in the page
        assert all(page[o] == c for o, c in zip(seg.offsets, seg.text, strict=True) if c != " ")
    return [seg.text for seg in doc.segments if seg.scope == "paragraph"]


@pytest.mark.parametrize("head", NOT_A_COMMENT.values(), ids=NOT_A_COMMENT.keys())
def test_the_body_after_markup_a_browser_shows_is_read(head: str) -> None:
    page = head + BODY
    assert "Our lumasync app is the cheapest on the market." in _paragraphs(page)
    assert to_plain(page, SourceFormat.HTML).text.endswith("the cheapest on the market.")
    assert parse_html(page).notes == []  # nothing is cut


def test_a_script_that_holds_a_comment_opener_no_longer_passes_the_draft() -> None:
    """`<script>var s = '<!--';</script>` made the page "100/100 Not reviewed (0 words)"."""
    reviewer = Reviewer(load_guide(default_guide_path()), None)
    page = "<script>var s = '<!--';</script><p>Intro.</p>" + BODY
    review = reviewer.review_one(Draft(page, format=SourceFormat.HTML))
    (cheap,) = [f for f in review.findings if f.rule_id == "Brand.Banned_Cheap"]
    assert page[cheap.span.start : cheap.span.end] == "cheapest"


def test_markdown_with_an_unknown_marked_section_is_linted() -> None:
    """`brandbot vale` on Markdown with `<div><![foo[ x ]]></div>` crashed with a traceback."""
    md = "<div><![foo[ x ]]> Our cheapest hub.</div>\n\nMore cheap text.\n"
    doc = parse_markdown(md)
    texts = [seg.text.strip() for seg in doc.segments if seg.scope == "paragraph"]
    assert texts == ["Our cheapest hub.", "More cheap text."]


def test_a_comment_closed_by_bang_is_hidden_as_a_browser_hides_it() -> None:
    """`<!-- note --!>` was read as prose (an Exclamation finding): a browser ends the comment."""
    page = "<!-- note --!>" + BODY
    assert _paragraphs(page) == ["Our lumasync app is the cheapest on the market."]
    assert (
        to_plain(page, SourceFormat.HTML).text == "Our lumasync app is the cheapest on the market."
    )


class _Counting:
    """A compiled pattern that counts the characters its searches scan."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.scanned = 0

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        found = self.pattern.search(text, pos)
        self.scanned += (found.end() if found else len(text)) - pos
        return found


def test_comments_closed_by_bang_are_read_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """288 kB of `<!--.--!>` took 15 s: HTMLParser did not end a comment at "--!>" and searched
    to the end of the page for each one."""
    counting = _Counting(markup._COMMENT_END)
    monkeypatch.setattr(markup, "_COMMENT_END", counting)
    page = BODY + "<!--.--!>" * 5_000
    assert _paragraphs(page) == ["Our lumasync app is the cheapest on the market."]
    assert counting.scanned <= len(page)  # each comment is scanned once


def test_markdown_html_blocks_are_walked_one_block_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """4,000 `<div>x</div>` blocks took 18 s under `brandbot vale`: each block walked a blanked
    copy of the whole file."""
    walked: list[int] = []
    walk = markup._walk_html

    def spy(text: str, *args: object) -> None:
        walked.append(len(text))
        walk(text, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(markup, "_walk_html", spy)
    md = "Our cheap hub.\n\n" + "<div>x</div>\n\n" * 300 + "<!-- vale off -->\n"
    doc = parse_markdown(md)
    assert len(walked) == 301 and sum(walked) <= len(md)
    xs = [seg for seg in doc.segments if seg.scope == "paragraph" and seg.text == "x"]
    assert len(xs) == 300 and all(md[seg.offsets[0]] == "x" for seg in xs)
    assert [(md[c.offset : c.offset + 4], c.command) for c in doc.controls] == [
        ("<!--", "vale off")
    ]


def test_an_unclosed_comment_hides_the_rest_and_says_so() -> None:
    page = "<p>Our lumasync app.</p>\r\n<p>Intro.</p>\n<!-- draft\n<p>Hidden, cheapest!</p>"
    doc = parse_html(page)
    assert [s.text for s in doc.segments if s.scope == "paragraph"] == [
        "Our lumasync app.",
        "Intro.",
    ]
    assert doc.notes == [
        "the page is cut at line 3: an unclosed <!-- hides what follows, as in a browser"
    ]
    assert markup.unclosed_markup_at(page) == page.index("<!--")
    assert parse_html(BODY + "<br").notes == []  # a bare unclosed tag at the end hides nothing


def test_a_review_of_a_cut_page_says_what_was_not_read(caplog: pytest.LogCaptureFixture) -> None:
    """The writer of a page cut by an unclosed comment is told why its end was not reviewed,
    and so is the user of ``brandbot vale``; a whole page carries no such note."""
    reviewer = Reviewer(load_guide(default_guide_path()), None)
    page = "<p>Our lumasync app.</p>\n<!-- draft\n<p>Hidden, cheapest!</p>"
    review = reviewer.review_one(Draft(page, format=SourceFormat.HTML))
    assert review.skipped["page cut"].startswith("the page is cut at line 2: an unclosed <!--")
    assert not [f for f in review.findings if f.rule_id == "Brand.Banned_Cheap"]
    whole = reviewer.review_one(Draft(BODY, format=SourceFormat.HTML))
    assert "page cut" not in whole.skipped

    from analyzers.vale.config import parse_config
    from analyzers.vale.linter import Linter

    linter = Linter(parse_config("[*]\nBasedOnStyles = Vale\n", None))
    with caplog.at_level("WARNING"):
        linter.lint_text(page, "draft.html", ".html")
    assert "draft.html: the page is cut at line 2" in caplog.text


def test_a_parser_failure_reads_the_rest_as_text(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: object, tag: str, attrs: object) -> None:
        if tag == "em":
            raise ValueError("boom")

    monkeypatch.setattr(markup._HTMLWalker, "handle_starttag", broken)
    page = "<p>Intro.</p><em>Our cheapest hub.</em>"
    doc = parse_html(page)
    assert any("cheapest" in s.text for s in doc.segments)
    assert doc.notes == [
        "the page from line 1 is read as text: its HTML could not be parsed (ValueError)"
    ]


def test_alt_text_is_the_alt_attribute_a_browser_reads() -> None:
    page = """<img title=" alt='fine'" alt="This is cheap"><img/alt="so &amp; cheap">"""
    alts = [
        (s.text, page[s.offsets[0]])
        for s in parse_html(page).segments
        if s.scope == "text.attr.alt"
    ]
    assert alts == [("This is cheap", "T"), ("so & cheap", "s")]


def test_a_comment_in_a_list_item_is_a_control_at_its_place() -> None:
    """The block's lines are walked with the item's indent blanked: "   <!-- vale on -->"
    walked by its length alone lost its "-->" and the file stayed "vale off"."""
    md = "<!-- vale off -->\n1. Off.\n   <!-- vale on -->\n\n> <div>Quoted.</div>\n"
    doc = parse_markdown(md)
    assert [(c.offset, c.command) for c in doc.controls] == [(0, "vale off"), (29, "vale on")]
    (quoted,) = [s for s in doc.segments if s.scope == "paragraph" and "Quoted" in s.text]
    assert quoted.text == "Quoted." and md[quoted.offsets[0]] == "Q"  # no ">" read as prose
