"""Slack mrkdwn -> :class:`PlainText`: quotes, bullets, code fences, then the inline scanner."""

from __future__ import annotations

import re

from analyzers.text.buffers import _Buf, _Doc
from analyzers.text.inline import _emit
from analyzers.text.lines import _lines
from analyzers.text.plaintext import PlainText
from analyzers.text.slack_inline import _slack_inline

_SL_QUOTE3 = re.compile(r"[ \t]*(?:>>>|&gt;&gt;&gt;)[ \t]?")
_SL_QUOTE = re.compile(r"[ \t]*(?:>|&gt;)[ \t]?")
_SL_BULLET = re.compile(r"([ \t]*)(?:[•◦▪▫‣●○■□\-*+]|\d{1,3}[.)])[ \t]+(?=\S)")
_FENCE = re.compile(r"```")


def _mrkdwn(text: str) -> PlainText:
    doc = _Doc(text)
    # ``` fences may open and close anywhere, even mid-line; an unpaired one stays literal
    fences = [mt.start() for mt in _FENCE.finditer(text)]
    regions = [(fences[k], fences[k + 1] + 3) for k in range(0, len(fences) - 1, 2)]
    pos = 0
    for a, b in [*regions, (len(text), len(text))]:
        _mrkdwn_chunk(doc, text, pos, a)
        pos = b
    return doc.result()


def _mrkdwn_chunk(doc: _Doc, text: str, start: int, end: int) -> None:
    if start >= end:
        return
    kind = ""
    level = 0
    buf = _Buf()
    indents: list[int] = []
    quote_all = False
    prev_nl: int | None = None

    def flush() -> None:
        nonlocal buf, kind
        if kind:
            doc.add(kind, buf, level)
        buf = _Buf()
        kind = ""

    def add_line(a: int, b: int, nl: int | None) -> None:
        if buf.n and nl is not None:
            buf.verbatim(text, range(len(text)), nl, nl + 1)
        toks = _slack_inline(text, a, b)
        _emit(toks, text, range(len(text)), buf)

    for ls, le, nxt in _lines(text[start:end]):
        a, b = ls + start, le + start
        nl = nxt + start - 1 if nxt > le else None  # index of this line's terminator (last char)
        line = text[a:b]
        if not line.strip():
            flush()
            prev_nl = nl
            continue
        if not quote_all and (qm := _SL_QUOTE3.match(text, a, b)):
            flush()
            quote_all = True
            a = qm.end()
            if not text[a:b].strip():
                prev_nl = nl
                continue
        if quote_all:
            qm = _SL_QUOTE.match(text, a, b)
            if qm and not _SL_QUOTE3.match(text, a, b):
                a = qm.end()
            if kind != "blockquote":
                flush()
                kind, level = "blockquote", 0
            add_line(a, b, prev_nl)
        elif qm := _SL_QUOTE.match(text, a, b):
            a = qm.end()
            if bm := _SL_BULLET.match(text, a, b):
                a = bm.end()
            if kind != "blockquote":
                flush()
                kind, level = "blockquote", 0
            add_line(a, b, prev_nl)
            indents = []
        elif bm := _SL_BULLET.match(text, a, b):
            flush()
            indent = len(bm.group(1).expandtabs(4))
            while indents and indent < indents[-1]:
                indents.pop()
            if not indents or indent > indents[-1]:
                indents.append(indent)
            kind, level = "list", len(indents)
            add_line(bm.end(), b, None)
        elif kind == "list" and line[:1] in " \t":
            add_line(a + len(line) - len(line.lstrip()), b, prev_nl)
        else:
            if kind != "paragraph":
                flush()
                kind, level = "paragraph", 0
                indents = []
            add_line(a, b, prev_nl)
        prev_nl = nl
    flush()
