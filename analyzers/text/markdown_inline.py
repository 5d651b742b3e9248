"""Markdown inline markup -> tokens: escapes, code, links, autolinks, HTML, entities, emphasis."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from analyzers.text.inline import (
    _ENTITY_RE,
    _bare_url,
    _code_spans,
    _Delim,
    _scan,
    _Step,
    _Tok,
)


def _is_punct(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PS"


_MD_SPECIAL = re.compile(r"[\\`<&\[*_~]|!\[|(?<![\w/@.])(?:https?://|www\.)", re.IGNORECASE)
_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_AUTOLINK_URI = re.compile(r"<[A-Za-z][A-Za-z0-9.+\-]{1,31}:[^<>\x00-\x20]*>")
_AUTOLINK_EMAIL = re.compile(
    r"<([a-zA-Z0-9.!#$%&'*+/=?^_`{|}~\-]+@[a-zA-Z0-9](?:[a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])?)*)>"
)
_ATTR = r"""(?:\s+[A-Za-z_:][A-Za-z0-9_.:\-]*(?:\s*=\s*(?:[^\s"'=<>`]+|'[^']*'|"[^"]*"))?)"""
_HTML_INLINE = re.compile(
    r"<!---?>|<!--.*?-->|<\?.*?\?>|<![A-Za-z][^>]*>|<!\[CDATA\[.*?\]\]>"
    r"|</[A-Za-z][A-Za-z0-9\-]*\s*>"
    rf"|<[A-Za-z][A-Za-z0-9\-]*{_ATTR}*\s*/?>",
    re.DOTALL,
)


class _MdCtx:
    __slots__ = ("brackets", "code", "refs", "s")

    def __init__(self, s: str, refs: Mapping[str, Any]) -> None:
        self.s = s
        self.refs = refs
        self.code = _code_spans(s, 0, len(s), escapes=True) if "`" in s else {}
        self.brackets = _bracket_pairs(s, self.code) if "[" in s else {}


def _bracket_pairs(s: str, code: Mapping[int, int]) -> dict[int, int]:
    """Matching ``[`` -> ``]`` positions, skipping escapes, code spans and inline HTML."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    i, n = 0, len(s)
    while i < n:
        ch = s[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "`":
            if i in code:
                i = code[i]
                continue
            while i < n and s[i] == "`":
                i += 1
            continue
        if ch == "<":
            hm = _AUTOLINK_URI.match(s, i) or _HTML_INLINE.match(s, i)
            if hm:
                i = hm.end()
                continue
        elif ch == "[":
            stack.append(i)
        elif ch == "]" and stack:
            pairs[stack.pop()] = i
        i += 1
    return pairs


def _norm_ref(label: str) -> str:
    return " ".join(label.strip().split()).lower().upper()


def _link_tail(s: str, p: int, end: int) -> int | None:
    """Parse ``(destination "title")`` starting at ``s[p] == '('``; return the end or None."""
    p += 1

    def skip_ws(q: int) -> int:
        newlines = 0
        while q < end and s[q] in " \t\n\r":
            if s[q] in "\n\r":
                newlines += 1
                if newlines > 1:
                    return -1
            q += 1
        return q

    p = skip_ws(p)
    if p < 0 or p >= end:
        return None
    if s[p] == "<":
        q = p + 1
        while q < end and s[q] not in "<>\n":
            q += 2 if s[q] == "\\" else 1
        if q >= end or s[q] != ">":
            return None
        p = q + 1
    else:
        depth = 0
        while p < end:
            ch = s[p]
            if ch == "\\" and p + 1 < end:
                p += 2
                continue
            if ch.isspace() or ord(ch) < 0x20:
                break
            if ch == "(":
                depth += 1
                if depth > 32:
                    return None
            elif ch == ")":
                if depth == 0:
                    break
                depth -= 1
            p += 1
    q = skip_ws(p)
    if q < 0 or q >= end:
        return None
    if s[q] in "\"'(" and q > p:
        close = ")" if s[q] == "(" else s[q]
        r = q + 1
        while r < end and s[r] != close:
            r += 2 if s[r] == "\\" else 1
        if r >= end:
            return None
        q = skip_ws(r + 1)
        if q < 0 or q >= end:
            return None
    return q + 1 if s[q] == ")" else None


def _parse_link(ctx: _MdCtx, j: int, end: int) -> tuple[int, int, int] | None:
    """A link at ``s[j] == '['``: (label_start, label_end, end_of_link) or None."""
    k = ctx.brackets.get(j)
    if k is None or k >= end:
        return None
    s = ctx.s
    if k + 1 < end and s[k + 1] == "(":
        tail = _link_tail(s, k + 1, end)
        if tail is not None:
            return j + 1, k, tail
    if k + 1 < end and s[k + 1] == "[":
        r = ctx.brackets.get(k + 1)
        if r is not None and r < end and r - k <= 1000:
            ref = s[k + 2 : r] or s[j + 1 : k]
            if _norm_ref(ref) in ctx.refs:
                return j + 1, k, r + 1
        if r is not None:  # "[a][b]" with b undefined: "[a]" is not a shortcut either
            return None
    if k - j <= 1000 and _norm_ref(s[j + 1 : k]) in ctx.refs:
        return j + 1, k, k + 1
    return None


def _md_inline(ctx: _MdCtx, start: int, end: int) -> list[_Tok]:
    s = ctx.s

    def step(j: int) -> _Step:
        c = s[j]
        if c == "\\":
            if j + 1 < end and s[j + 1] in _ASCII_PUNCT:
                return [("t", j + 1, j + 2)], j + 2
            if j + 1 < end and s[j + 1] in "\r\n":
                return [("l", [])], j + 1  # hard line break: the backslash goes, the newline stays
            return None, j + 1
        if c == "`":
            if j in ctx.code and ctx.code[j] <= end:
                return [("l", [])], ctx.code[j]
            k = j
            while k < end and s[k] == "`":
                k += 1
            return None, k
        if c == "<":
            if am := _AUTOLINK_EMAIL.match(s, j, end):
                return [("t", j + 1, am.end() - 1)], am.end()
            if am := (_AUTOLINK_URI.match(s, j, end) or _HTML_INLINE.match(s, j, end)):
                return [("l", [])], am.end()
            return None, j + 1
        if c == "&":
            em = _ENTITY_RE.match(s, j, end)
            if em and (decoded := html.unescape(em.group())) != em.group():
                return [("r", j, em.end(), decoded)], em.end()
            return None, j + 1
        if c == "!":  # image: dropped entirely (alt text is not part of the prose)
            link = _parse_link(ctx, j + 1, end)
            return ([("l", [])], link[2]) if link else (None, j + 1)
        if c == "[":
            link = _parse_link(ctx, j, end)
            if link:
                children = _md_inline(ctx, link[0], link[1])
                if not any(len(t) > 2 and t[2] == "link" for t in children):  # no nested links
                    return [("l", children, "link")], link[2]
            return None, j + 1
        if c in "*_~":
            return _delimiter_run(s, j, end)
        return _bare_url(s, j, end)  # GFM autolink extension

    return _scan(s, start, end, _MD_SPECIAL, step, commonmark=True)


def _delimiter_run(s: str, j: int, end: int) -> _Step:
    """A run of ``*``, ``_`` or ``~`` at ``j``: CommonMark's left/right flanking rules."""
    c = s[j]
    k = j
    while k < end and s[k] == c:
        k += 1
    if c == "~" and k - j < 2:
        return None, k
    prev = s[j - 1] if j > 0 else " "
    after = s[k] if k < len(s) else " "
    p_ws, a_ws = prev.isspace(), after.isspace()
    p_pu, a_pu = _is_punct(prev), _is_punct(after)
    left = not a_ws and (not a_pu or p_ws or p_pu)
    right = not p_ws and (not p_pu or a_ws or a_pu)
    if c == "_":
        can_open = left and (not right or p_pu)
        can_close = right and (not left or a_pu)
    else:
        can_open, can_close = left, right
    if c == "~":  # GFM strikethrough: a run is a string of "~~" pairs (markdown-it)
        odd: list[_Tok] = [("t", j, j + 1)] if (k - j) % 2 else []
        pairs = range(j + (k - j) % 2, k, 2)
        return odd + [("d", _Delim(c, q, q + 2, can_open, can_close, run=j)) for q in pairs], k
    return [("d", _Delim(c, j, k, can_open, can_close))], k
