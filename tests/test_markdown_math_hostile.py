"""``$$`` display math in Markdown (``analyzers/vale/markup.py``) on hostile files.

Each ``$$ ... $$`` block was blanked in a fresh copy of the whole file, so a file of many
blocks (or of ``$$`` lines alone) took time in the square of its size: 640 kB of
``$$\\nx\\n$$\\n`` took 2.6 s, 4x per doubling. The blocks are now found in one line scan and
blanked in one copy. Growth is checked by counting what is copied, never by a clock.
"""

from __future__ import annotations

import itertools
import re

import pytest

from analyzers.vale import markup
from analyzers.vale.markup import parse_markdown

_OLD_MATH = re.compile(r"(?m)^\$\$[ \t]*\n.*?\n\$\$[ \t]*$", re.S)


def _old_blanking(text: str) -> str:
    """What the regular expression hid before: the reference for well-formed and odd math."""
    for m in _OLD_MATH.finditer(text):
        s, e = m.span()
        text = text[:s] + re.sub(r"[^\n]", " ", text[s:e]) + text[e:]
    return text


def _paragraphs(md: str) -> list[str]:
    return [s.text for s in parse_markdown(md).segments if s.scope == "paragraph"]


def test_well_formed_math_is_hidden_and_the_prose_around_it_is_read() -> None:
    md = "Intro cheap.\n\n$$\nx = cheapest\n$$\n\nAfter.\n\n$$  \n\n$$\t\nEnd.\n"
    assert _paragraphs(md) == ["Intro cheap.", "After.", "End."]


def test_an_unclosed_opener_is_text() -> None:
    assert _paragraphs("Intro.\n\n$$\nNot math, cheapest.\n") == [
        "Intro.",
        "$$\nNot math, cheapest.",
    ]


def _count_copies(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of the text each time the blanking helpers copy it."""
    copied: list[int] = []
    for name in ("_blank", "_blank_spans"):
        real = getattr(markup, name, None)
        if real is None:
            continue

        def spy(text: str, *args: object, _real: object = real) -> str:
            copied.append(len(text))
            return _real(text, *args)  # type: ignore[operator, no-any-return]

        monkeypatch.setattr(markup, name, spy)
    return copied


@pytest.mark.parametrize(
    "hostile",
    [
        "$$\nx\n$$\n" * 3_000,  # many closed blocks
        "$$\n" * 9_000,  # "$$" lines alone: every other one closes a block
        "$$\n" + "$$   x\n" * 3_000,  # one unclosed opener, then lines that never close it
        "$$\n\n" * 3_000 + "Our cheapest hub.\n",
    ],
    ids=["closed blocks", "bare $$ lines", "unclosed", "empty blocks"],
)
def test_math_is_blanked_in_one_copy_of_the_file(
    monkeypatch: pytest.MonkeyPatch, hostile: str
) -> None:
    copied = _count_copies(monkeypatch)
    md = "Our cheap hub.\n\n" + hostile
    doc = parse_markdown(md)
    assert sum(copied) <= 2 * len(md)  # was once per block: thousands of copies of the file
    assert doc.segments[0].text == "Our cheap hub."
    assert markup._blank_spans(md, markup._math_spans(md)) == _old_blanking(md)


def test_the_scan_hides_exactly_what_the_regular_expression_hid() -> None:
    """Every string of up to 6 pieces of "$$", spaces, tabs, "\\r", newlines and text."""
    pieces = ["$$", "$", " ", "\t", "\r", "\n", "x"]
    for n in range(7):
        for combo in itertools.product(pieces, repeat=n):
            text = "".join(combo)
            assert markup._blank_spans(text, markup._math_spans(text)) == _old_blanking(text)


def test_mdx_import_lines_and_comments_are_blanked_in_one_copy_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same copy per match hid each MDX ``import``/``export`` line and ``{/* */}`` comment:
    760 kB of ``export`` lines took 1.5 s, 3.7x per doubling."""
    copied = _count_copies(monkeypatch)
    md = "Our cheap hub.\n\n" + "export const a = 1\n{/* vale off */}\n" * 2_000
    doc = parse_markdown(md, mdx=True)
    assert sum(copied) <= 4 * len(md)
    assert [s.text for s in doc.segments if s.scope == "paragraph"] == ["Our cheap hub."]
    assert len(doc.controls) == 2_000
