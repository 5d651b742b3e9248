"""The text of raw HTML blocks in Markdown: markup dropped, entities decoded."""

from __future__ import annotations

import html
import re

from analyzers.text.inline import _ENTITY_RE, _Tok

_RAW_TAGS = ("script", "style", "pre", "textarea")  # their content is never prose
_TAG_START = re.compile(r"</?[A-Za-z]")
_RAW_OPEN = re.compile(r"<(script|style|pre|textarea)\b", re.IGNORECASE)
_RAW_CLOSE = {t: re.compile(rf"</{t}\s*>", re.IGNORECASE) for t in _RAW_TAGS}


class _Next:
    """The first match of a pattern at or after a position, for positions that only grow: a
    search is reused while it still answers (a miss stays a miss), so a scan stays linear."""

    def __init__(self, text: str, pattern: re.Pattern[str]) -> None:
        self.text, self.pattern = text, pattern
        self.at, self.found = -1, None  # type: int, re.Match[str] | None
        self.done = False

    def __call__(self, pos: int) -> re.Match[str] | None:
        if self.done:
            return None
        if self.at < 0 or pos < self.at or (self.found is not None and self.found.start() < pos):
            self.at, self.found = pos, self.pattern.search(self.text, pos)
            self.done = self.found is None
        return self.found


def _html_text(s: str) -> list[_Tok]:
    """Text of raw HTML: tags, comments and script/style/pre content dropped, entities decoded.

    A linear scan: the regular expression it replaces searched to the end of the block from
    every unclosed "<!--" (120 kB of them took 21 s). What it drops is what it dropped: a
    script/style/pre/textarea element with its closing tag, a comment, a processing
    instruction, a declaration, a tag; an unclosed one is text."""
    toks: list[_Tok] = []
    closes = {t: _Next(s, pat) for t, pat in _RAW_CLOSE.items()}
    comment_end = _Next(s, re.compile(r"-->"))
    pi_end = _Next(s, re.compile(r"\?>"))
    gt = _Next(s, re.compile(r">"))
    i = 0  # text starts here
    pos = s.find("<")
    while pos != -1:
        end = -1
        raw = _RAW_OPEN.match(s, pos)
        if raw is not None:
            close = closes[raw.group(1).lower()](raw.end())
            end = close.end() if close is not None else -1
        if end < 0 and s.startswith("<!--", pos):
            found = comment_end(pos + 4)
            end = found.end() if found is not None else -1
        if end < 0 and s.startswith("<?", pos):
            found = pi_end(pos + 2)
            end = found.end() if found is not None else -1
        if end < 0 and (s.startswith("<!", pos) or _TAG_START.match(s, pos)):
            found = gt(pos + 1)
            end = found.end() if found is not None else -1
        if end < 0:
            pos = s.find("<", pos + 1)
            continue
        toks.extend(_entity_toks(s, i, pos))
        i = end
        pos = s.find("<", end)
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
