"""The entry point :func:`to_plain`: plain text, Slack mrkdwn, Markdown or HTML -> PlainText."""

from __future__ import annotations

import re

from analyzers.text.html_page import html_page
from analyzers.text.invisible import without_invisible
from analyzers.text.markdown import _markdown
from analyzers.text.mrkdwn import _mrkdwn
from analyzers.text.plaintext import Block, PlainText
from analyzers.types import SourceFormat

_BLANK_LINES = re.compile(r"(?:\r\n|\r|\n)[ \t\f\v]*(?:(?:\r\n|\r|\n)[ \t\f\v]*)+")


def _plain(text: str) -> PlainText:
    blocks: list[Block] = []
    i = 0
    for mt in [*_BLANK_LINES.finditer(text), None]:
        j = mt.start() if mt else len(text)
        chunk = text[i:j]
        a = i + len(chunk) - len(chunk.lstrip())
        b = i + len(chunk.rstrip())
        if b > a:
            blocks.append(Block("paragraph", a, b))
        if mt:
            i = mt.end()
    return PlainText(
        original=text,
        text=text,
        offsets=tuple(range(len(text) + 1)),
        blocks=tuple(blocks),
    )


def to_plain(text: str, fmt: SourceFormat | str = SourceFormat.PLAIN) -> PlainText:
    """Plain prose of ``text`` (Slack mrkdwn, Markdown, HTML or plain) with its offset map."""
    if not isinstance(text, str):
        raise TypeError(f"to_plain() needs a str, got {type(text).__name__}")
    try:
        source = SourceFormat(fmt)
    except ValueError:
        known = ", ".join(f.value for f in SourceFormat)
        raise ValueError(f"unknown text format {fmt!r}: expected one of {known}") from None
    if source is SourceFormat.MRKDWN:
        doc = _mrkdwn(text)
    elif source is SourceFormat.MARKDOWN:
        doc = _markdown(text)
    elif source is SourceFormat.HTML:
        doc = html_page(text)
    else:
        doc = _plain(text)
    return without_invisible(doc)
