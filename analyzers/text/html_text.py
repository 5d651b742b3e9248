"""The text of raw HTML blocks in Markdown: markup dropped, entities decoded."""

from __future__ import annotations

import html
import re

from analyzers.text.inline import _ENTITY_RE, _Tok

_HTML_BLOCK_DROP = re.compile(
    r"<(script|style|pre|textarea)\b.*?</\1\s*>|<!--.*?-->|<\?.*?\?>|<![^>]*>"
    r"|</?[A-Za-z][^>]*>",
    re.DOTALL | re.IGNORECASE,
)


def _html_text(s: str) -> list[_Tok]:
    """Text of raw HTML: tags, comments and script/style/pre content dropped, entities decoded."""
    toks: list[_Tok] = []
    i = 0
    for mt in _HTML_BLOCK_DROP.finditer(s):
        toks.extend(_entity_toks(s, i, mt.start()))
        i = mt.end()
    toks.extend(_entity_toks(s, i, len(s)))
    return toks


def _entity_toks(s: str, a: int, b: int) -> list[_Tok]:
    toks: list[_Tok] = []
    i = a
    for mt in _ENTITY_RE.finditer(s, a, b):
        decoded = html.unescape(mt.group())
        if decoded == mt.group():
            continue
        if mt.start() > i:
            toks.append(("t", i, mt.start()))
        toks.append(("r", mt.start(), mt.end(), decoded))
        i = mt.end()
    if i < b:
        toks.append(("t", i, b))
    return toks
