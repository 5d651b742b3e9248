"""Inline tokens shared by the Slack and Markdown scanners: emphasis, emission, code, URLs."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from typing import Any

from analyzers.text.buffers import _Buf

# An inline token:
#
# ("t", a, b)                       verbatim s[a:b]
# ("r", a, b, text)                 text replaces s[a:b]
# ("d", delim)                      emphasis delimiter run (markers removed when matched)
# ("l", children)                   kept label (link text): children emitted in place
# ("m", a, b, prefix, children)     mention: prefix + label children, grouped over s[a:b]
# dropped markup produces no token.
_Tok = tuple[Any, ...]


class _Delim:
    __slots__ = ("a", "b", "can_close", "can_open", "ch", "lrem", "rrem", "run")

    def __init__(
        self, ch: str, a: int, b: int, can_open: bool, can_close: bool, run: int = -1
    ) -> None:
        self.ch = ch
        self.a = a
        self.b = b
        self.run = a if run < 0 else run  # start of the delimiter run (split "~~~~" runs)
        self.can_open = can_open
        self.can_close = can_close
        self.lrem = 0  # markers consumed from the left (as a closer)
        self.rrem = 0  # markers consumed from the right (as an opener)

    @property
    def size(self) -> int:
        return self.b - self.a

    @property
    def left(self) -> int:
        return self.b - self.a - self.lrem - self.rrem


def _resolve_emphasis(toks: list[_Tok], commonmark: bool) -> None:
    """Match delimiter runs (CommonMark's 'process emphasis', simplified for Slack)."""
    delims = [t[1] for t in toks if t[0] == "d"]
    if len(delims) < 2:
        return
    stack: list[_Delim] = []
    bottom: dict[tuple[str, bool, int], int] = {}
    for closer in delims:
        if closer.can_close:
            key = (closer.ch, closer.can_open, closer.size % 3)
            while closer.left > 0:
                found = -1
                for j in range(len(stack) - 1, bottom.get(key, 0) - 1, -1):
                    o = stack[j]
                    if o.ch != closer.ch or o.left <= 0 or o.run == closer.run:
                        continue
                    if (
                        commonmark
                        and (o.can_close or closer.can_open)
                        and (o.size + closer.size) % 3 == 0
                        and not (o.size % 3 == 0 and closer.size % 3 == 0)
                    ):
                        continue
                    found = j
                    break
                if found < 0:
                    bottom[key] = len(stack)
                    break
                o = stack[found]
                use = 2 if o.left >= 2 and closer.left >= 2 else 1
                o.rrem += use
                closer.lrem += use
                del stack[found + 1 :]
                if o.left == 0:
                    stack.pop()
                for k in bottom:
                    bottom[k] = min(bottom[k], len(stack))
        if closer.can_open and closer.left > 0:
            stack.append(closer)


def _emit(toks: list[_Tok], s: str, m: Sequence[int], out: _Buf) -> None:
    for t in toks:
        kind = t[0]
        if kind == "t":
            out.verbatim(s, m, t[1], t[2])
        elif kind == "d":
            d: _Delim = t[1]
            out.verbatim(s, m, d.a + d.lrem, d.b - d.rrem)
        elif kind == "r":
            out.replace(t[3], m[t[1]], m[t[2] - 1] + 1)
        elif kind == "l":
            _emit(t[1], s, m, out)
        elif kind == "m":
            a, b, prefix, children = t[1], t[2], t[3], t[4]
            pstart = out.n
            first = _first_pos(children)
            out.replace(prefix, m[a], m[first] if first is not None else m[b - 1] + 1)
            _emit(children, s, m, out)
            out.group(pstart, m[a], m[b - 1] + 1)


def _first_pos(toks: list[_Tok]) -> int | None:
    for t in toks:
        if t[0] in ("t", "r"):
            return int(t[1])
    return None


_ENTITY_RE = re.compile(r"&(?:#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9]{1,31});")


_URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>]*", re.IGNORECASE)
_URL_TRAIL = "?!.,:;*_~'\"”’"


def _url_end(s: str, j: int, end: int) -> int:
    """End of a bare URL starting at ``j`` (trailing punctuation and unbalanced ')' excluded)."""
    mt = _URL_RE.match(s, j, end)
    if not mt:
        return j
    k = mt.end()
    while k > j:
        ch = s[k - 1]
        if ch in _URL_TRAIL or (ch == ")" and s.count("(", j, k) < s.count(")", j, k)):
            k -= 1
        else:
            break
    head = 4 if s[j] in "wW" else s.index("//", j) + 2 - j
    return k if k - j > head else j


# what a scanner's step read at a special character: the tokens it starts there (None: the
# character is plain text after all) and where scanning goes on
_Step = tuple[list[_Tok] | None, int]


def _scan(
    s: str,
    start: int,
    end: int,
    special: re.Pattern[str],
    step: Callable[[int], _Step],
    *,
    commonmark: bool,
) -> list[_Tok]:
    """The inline scanner both dialects share: find the next ``special`` character, let ``step``
    read what starts there, keep the text between as text tokens, then resolve emphasis."""
    toks: list[_Tok] = []
    i = text_start = start
    while mt := special.search(s, i, end):
        j = mt.start()
        found, nxt = step(j)
        if found is None:
            i = nxt
            continue
        if j > text_start:
            toks.append(("t", text_start, j))
        toks.extend(found)
        i = text_start = nxt
    if end > text_start:
        toks.append(("t", text_start, end))
    _resolve_emphasis(toks, commonmark=commonmark)
    return toks


def _bare_url(s: str, j: int, end: int) -> _Step:
    """A bare URL at ``j`` (dropped from the prose), or plain text."""
    k = _url_end(s, j, end)
    return ([("l", [])], k) if k > j else (None, j + 1)


def _code_spans(s: str, start: int, end: int, escapes: bool) -> dict[int, int]:
    """Backtick runs that open a code span -> end of the span (CommonMark pairing).

    Scanning left to right outside code, an opening run preceded by an unescaped backslash
    loses its first backtick; the closing run is the next run of exactly the same length
    (backslashes inside code are literal, so they never stop a closer).
    """
    runs = [(mt.start(), mt.end()) for mt in re.finditer(r"`+", s[start:end])]
    runs = [(a + start, b + start) for a, b in runs]
    by_len: dict[int, list[int]] = {}
    for idx, (a, b) in enumerate(runs):
        by_len.setdefault(b - a, []).append(idx)
    spans: dict[int, int] = {}
    pos = start
    for idx, (a, b) in enumerate(runs):
        if a < pos:
            continue
        if escapes and _escaped(s, a, max(start, pos)):
            a += 1
            if a >= b:
                continue
        same = by_len.get(b - a, [])
        k = bisect.bisect_right(same, idx)
        if k < len(same):
            spans[a] = runs[same[k]][1]
            pos = spans[a]
    return spans


def _escaped(s: str, i: int, start: int) -> bool:
    n = 0
    while i - 1 - n >= start and s[i - 1 - n] == "\\":
        n += 1
    return n % 2 == 1
