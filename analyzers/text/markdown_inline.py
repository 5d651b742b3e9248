"""Slack mrkdwn / Markdown -> plain prose with an offset map back to the original text.

CONTRACT (other modules rely on exactly this):

* ``to_plain(text, fmt) -> PlainText``
* ``PlainText.text``: the prose that rules and models see.
* ``PlainText.offsets``: ``len(offsets) == len(text) + 1``; ``offsets[i]`` is the index in the
  original text of plain character ``i``; the last entry is the original end position of the
  prose (so an end offset maps too).
* ``PlainText.blocks``: the prose split into blocks with a ``kind`` (paragraph, heading, list,
  blockquote, table) in plain-text coordinates; code is skipped entirely (never in ``text``).
* ``PlainText.to_original(start, end) -> Span``: plain range -> original range.
* ``split_sentences(text) -> list[tuple[int, int]]``: sentence ranges in ``text``.
* ``word_count(text) -> int``: runs of letters/digits with inner apostrophes/hyphens.

How the map is built
--------------------
Every plain character comes either *verbatim* from one original character (``offsets[i]`` is
that character, ``original[offsets[i]] == text[i]``) or from a *replacement* (``"@alice"`` for
``<@U1|alice>``, ``"&"`` for ``&amp;``, the ``"\\n\\n"`` between blocks).  Replacement ranges are
listed in ``PlainText.replaced``.  Each character also records the original position just past
what it stands for (``PlainText.ends``), and every multi-character replacement records a group,
so ``to_original`` maps a span covering a whole replacement to the whole original markup, while
a span inside kept text (a link label, the name in ``<@U1|alice>``) maps to exactly those
characters.  Markers that vanish (``*bold*``, ``[label](url)``) are simply not mapped: a span over
``bold`` maps to ``bold``.

Blocks are separated by ``"\\n\\n"`` in ``text`` (list items and table cells are blocks of their
own), so sentence splitting never runs across blocks.  Plain text maps to itself.

Offsets are Python ``str`` indices (code points), so emoji, ZWJ sequences and combining marks
never shift anything.
"""

from __future__ import annotations

import bisect
import html
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import regex

from analyzers.types import SourceFormat, Span

__all__ = ["Block", "PlainText", "split_sentences", "to_plain", "word_count"]


@dataclass(frozen=True)
class Block:
    kind: str  # "paragraph" | "heading" | "list" | "blockquote" | "table"
    start: int  # plain-text offsets, half open
    end: int
    level: int = 0  # heading level (1-6) or list nesting depth


# what an unlabelled Slack mention or channel link stands for in the prose: a placeholder the
# writer never wrote, so no rule may flag it (``PlainText.in_placeholder``)
MENTION_PLACEHOLDERS = ("@user", "#channel", "@group", "@here", "@channel", "@everyone")


@dataclass(frozen=True)
class PlainText:
    original: str
    text: str
    offsets: tuple[int, ...]
    blocks: tuple[Block, ...]
    # Backward-compatible additions (defaults keep hand-built values working):
    # ends[i]: original position just past what plain char i stands for (empty: offsets[i] + 1)
    ends: tuple[int, ...] = field(default=(), repr=False)
    # plain ranges [start, end) whose characters are not verbatim copies (sorted, disjoint)
    replaced: tuple[tuple[int, int], ...] = field(default=(), repr=False)
    # (plain_start, plain_end, orig_start, orig_end): a replacement and the markup it stands for
    groups: tuple[tuple[int, int, int, int], ...] = field(default=(), repr=False)

    def in_placeholder(self, start: int, end: int) -> bool:
        """True when plain ``[start, end)`` lies inside a mention placeholder ("@user")."""
        for r0, r1 in self.replaced:
            if r0 <= start and end <= r1 and self.text[r0:r1] in MENTION_PLACEHOLDERS:
                return True
        return False

    def to_original(self, start: int, end: int) -> Span:
        n = len(self.text)
        if not (0 <= start <= n and 0 <= end <= n):
            raise ValueError(f"plain range [{start}, {end}) is outside the text (length {n})")
        if start >= end:
            o = self.offsets[start]
            return Span(o, o)
        s = self.offsets[start]
        # end maps through the last included character so trailing markup is excluded
        e = self.ends[end - 1] if self.ends else self.offsets[end - 1] + 1
        if self.groups:
            starts = self._group_starts
            k = bisect.bisect_right(starts, start) - 1
            if k >= 0:
                g = self.groups[k]
                if g[0] == start and g[1] <= end:
                    s = min(s, g[2])
            k = bisect.bisect_right(starts, end - 1) - 1
            if k >= 0:
                g = self.groups[k]
                if g[1] == end and g[0] >= start:
                    e = max(e, g[3])
        return Span(s, max(s, e))

    @property
    def _group_starts(self) -> list[int]:
        cached: list[int] | None = self.__dict__.get("_gs")
        if cached is None:
            cached = [g[0] for g in self.groups]
            self.__dict__["_gs"] = cached
        return cached

    def is_replaced(self, i: int) -> bool:
        """True when plain character ``i`` is not a verbatim copy of ``original[offsets[i]]``."""
        k = bisect.bisect_right(self.replaced, (i, len(self.text) + 1)) - 1
        return k >= 0 and self.replaced[k][0] <= i < self.replaced[k][1]

    def sentences(self) -> list[tuple[int, int]]:
        """``split_sentences(self.text)``: sentence ranges in plain coordinates."""
        return split_sentences(self.text)


# --------------------------------------------------------------------------------------------
# output buffers


class _Buf:
    """Plain characters of one block, each with its original start and end."""

    __slots__ = ("ends", "groups", "n", "parts", "replaced", "starts")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.replaced: list[tuple[int, int]] = []
        self.groups: list[tuple[int, int, int, int]] = []
        self.n = 0

    def verbatim(self, s: str, m: Sequence[int], a: int, b: int) -> None:
        if a >= b:
            return
        self.parts.append(s[a:b])
        seg = m[a:b]
        self.starts.extend(seg)
        self.ends.extend([x + 1 for x in seg])
        self.n += b - a

    def replace(self, text: str, ostart: int, oend: int) -> None:
        k = len(text)
        if not k:
            return
        self.parts.append(text)
        self.starts.extend([ostart] * k)
        self.ends.extend([oend] * k)
        self.replaced.append((self.n, self.n + k))
        self.n += k

    def group(self, pstart: int, ostart: int, oend: int) -> None:
        if self.n > pstart:
            self.groups.append((pstart, self.n, ostart, oend))


class _Doc:
    def __init__(self, original: str) -> None:
        self.original = original
        self.parts: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.replaced: list[tuple[int, int]] = []
        self.groups: list[tuple[int, int, int, int]] = []
        self.blocks: list[Block] = []
        self.n = 0

    def add(self, kind: str, buf: _Buf, level: int = 0) -> None:
        text = "".join(buf.parts)
        lead = len(text) - len(text.lstrip())
        stop = len(text.rstrip())
        if stop <= lead:
            return
        if self.n:
            sep = self._end()
            self.parts.append("\n\n")
            self.starts += [sep, sep]
            self.ends += [sep, sep]
            self._add_replaced(self.n, self.n + 2)
            self.n += 2
        base = self.n - lead
        self.parts.append(text[lead:stop])
        self.starts.extend(buf.starts[lead:stop])
        self.ends.extend(buf.ends[lead:stop])
        for a, b in buf.replaced:
            a, b = max(a, lead), min(b, stop)
            if a < b:
                self._add_replaced(a + base, b + base)
        for pa, pb, oa, ob in buf.groups:
            if pa >= lead and pb <= stop:
                self.groups.append((pa + base, pb + base, oa, ob))
        self.blocks.append(Block(kind, self.n, self.n + stop - lead, level))
        self.n += stop - lead

    def _add_replaced(self, a: int, b: int) -> None:
        if self.replaced and self.replaced[-1][1] == a:
            self.replaced[-1] = (self.replaced[-1][0], b)
        else:
            self.replaced.append((a, b))

    def _end(self) -> int:
        """Original position just past the prose so far (a trailing mention's closing '>')."""
        end = self.ends[-1] if self.ends else 0
        if self.groups and self.groups[-1][1] == self.n:
            end = max(end, self.groups[-1][3])
        return end

    def result(self) -> PlainText:
        final = self._end()
        return PlainText(
            original=self.original,
            text="".join(self.parts),
            offsets=(*self.starts, final),
            blocks=tuple(self.blocks),
            ends=tuple(self.ends),
            replaced=tuple(self.replaced),
            groups=tuple(self.groups),
        )


# --------------------------------------------------------------------------------------------
# inline tokens
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


def _is_punct(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PS"


_ENTITY_RE = re.compile(r"&(?:#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9]{1,31});")
_SLACK_ENTITY_RE = re.compile(r"&(?:amp|lt|gt);")
_SLACK_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">"}
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


# ---- Slack mrkdwn inline ---------------------------------------------------------------------

_SL_SPECIAL = re.compile(r"[`<&:*_~]|(?<![\w/@.])(?:https?://|www\.)", re.IGNORECASE)
_SL_ANGLE = re.compile(r"<([^<>\n]*)>")
_SL_EMOJI = re.compile(r":([a-z0-9_+'\-]+):(?::skin-tone-[2-6]:)?")
_SL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]{0,31}:\S*")


def _slack_label(s: str, a: int, b: int) -> list[_Tok]:
    toks: list[_Tok] = []
    i = a
    for mt in _SLACK_ENTITY_RE.finditer(s, a, b):
        if mt.start() > i:
            toks.append(("t", i, mt.start()))
        toks.append(("r", mt.start(), mt.end(), _SLACK_ENTITIES[mt.group()]))
        i = mt.end()
    if i < b:
        toks.append(("t", i, b))
    return toks


def _slack_angle(s: str, j: int, close: int) -> _Tok | None:
    inner = s[j + 1 : close]
    bar = inner.find("|")
    head = inner if bar < 0 else inner[:bar]
    la, lb = (j + 1 + bar + 1, close) if bar >= 0 else (close, close)
    has_label = lb > la and bool(s[la:lb].strip())
    b = close + 1
    if not head:
        return None
    sigil = head[0]
    if sigil in "@#":
        if not _SL_ID.fullmatch(head, 1):
            return None
        if has_label:
            prefix = "" if s[la] == sigil else sigil
            return ("m", j, b, prefix, _slack_label(s, la, lb))
        return ("r", j, b, MENTION_PLACEHOLDERS[0] if sigil == "@" else MENTION_PLACEHOLDERS[1])
    if sigil == "!":
        name = head[1:].split("^", 1)[0]
        if not name or not name.replace("-", "").isalnum():
            return None
        if name in ("here", "channel", "everyone", "subteam"):
            if has_label:
                prefix = "" if s[la] == "@" else "@"
                return ("m", j, b, prefix, _slack_label(s, la, lb))
            return ("r", j, b, "@group" if name == "subteam" else "@" + name)
        if has_label:  # <!date^...|fallback> and other commands with a fallback label
            return ("l", _slack_label(s, la, lb))
        return ("l", [])
    if _SCHEME.fullmatch(head):
        if has_label:
            return ("l", _slack_label(s, la, lb))
        return ("l", [])
    return None


def _slack_inline(s: str, start: int, end: int) -> list[_Tok]:
    toks: list[_Tok] = []
    code = _code_spans(s, start, end, escapes=False) if "`" in s[start:end] else {}
    i = text_start = start
    while True:
        mt = _SL_SPECIAL.search(s, i, end)
        if not mt:
            break
        j = mt.start()
        c = s[j]
        tok: _Tok | None = None
        nxt = j + 1
        if c == "`":
            k = j
            while k < end and s[k] == "`":
                k += 1
            if j in code:
                nxt = code[j]
                tok = ("l", [])
            else:
                i = k
                continue
        elif c == "<":
            am = _SL_ANGLE.match(s, j, end)
            if am:
                tok = _slack_angle(s, j, am.end() - 1)
                nxt = am.end()
        elif c == "&":
            em = _SLACK_ENTITY_RE.match(s, j, end)
            if em:
                tok = ("r", j, em.end(), _SLACK_ENTITIES[em.group()])
                nxt = em.end()
        elif c == ":":
            em = _SL_EMOJI.match(s, j, end)
            if em and (j == start or not s[j - 1].isalnum()):
                name = em.group(1)
                if name in ("+1", "-1") or any(ch.isalpha() for ch in name):
                    tok = ("l", [])
                    nxt = em.end()
        elif c in "*_~":
            k = j
            while k < end and s[k] == c:
                k += 1
            prev = s[j - 1] if j > start else " "
            after = s[k] if k < end else " "
            can_open = not prev.isalnum() and not after.isspace()
            can_close = not prev.isspace() and not after.isalnum()
            tok = ("d", _Delim(c, j, k, can_open, can_close))
            nxt = k
        else:  # bare URL
            k = _url_end(s, j, end)
            if k > j:
                tok = ("l", [])
                nxt = k
        if tok is None:
            i = j + 1
            continue
        if j > text_start:
            toks.append(("t", text_start, j))
        toks.append(tok)
        i = text_start = nxt
    if end > text_start:
        toks.append(("t", text_start, end))
    _resolve_emphasis(toks, commonmark=False)
    return toks


# ---- Markdown inline -------------------------------------------------------------------------

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
    toks: list[_Tok] = []
    i = text_start = start
    while True:
        mt = _MD_SPECIAL.search(s, i, end)
        if not mt:
            break
        j = mt.start()
        c = s[j]
        tok: _Tok | None = None
        nxt = j + 1
        if c == "\\":
            if j + 1 < end and s[j + 1] in _ASCII_PUNCT:
                tok = ("t", j + 1, j + 2)
                nxt = j + 2
            elif j + 1 < end and s[j + 1] in "\r\n":
                tok = ("l", [])  # hard line break: the backslash goes, the newline stays
        elif c == "`":
            k = j
            while k < end and s[k] == "`":
                k += 1
            if j in ctx.code and ctx.code[j] <= end:
                tok = ("l", [])
                nxt = ctx.code[j]
            else:
                i = k
                continue
        elif c == "<":
            if am := _AUTOLINK_EMAIL.match(s, j, end):
                tok = ("t", j + 1, am.end() - 1)
                nxt = am.end()
            elif am := (_AUTOLINK_URI.match(s, j, end) or _HTML_INLINE.match(s, j, end)):
                tok = ("l", [])
                nxt = am.end()
        elif c == "&":
            em = _ENTITY_RE.match(s, j, end)
            if em:
                decoded = html.unescape(em.group())
                if decoded != em.group():
                    tok = ("r", j, em.end(), decoded)
                    nxt = em.end()
        elif c == "!":  # image: dropped entirely (alt text is not part of the prose)
            link = _parse_link(ctx, j + 1, end)
            if link:
                tok = ("l", [])
                nxt = link[2]
        elif c == "[":
            link = _parse_link(ctx, j, end)
            if link:
                children = _md_inline(ctx, link[0], link[1])
                if not any(len(t) > 2 and t[2] == "link" for t in children):  # no nested links
                    tok = ("l", children, "link")
                    nxt = link[2]
        elif c in "*_~":
            k = j
            while k < end and s[k] == c:
                k += 1
            if c == "~" and k - j < 2:
                i = k
                continue
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
                if j > text_start:
                    toks.append(("t", text_start, j))
                if (k - j) % 2:
                    toks.append(("t", j, j + 1))
                toks.extend(
                    ("d", _Delim(c, q, q + 2, can_open, can_close, run=j))
                    for q in range(j + (k - j) % 2, k, 2)
                )
                i = text_start = k
                continue
            tok = ("d", _Delim(c, j, k, can_open, can_close))
            nxt = k
        else:  # bare URL (GFM autolink extension)
            k = _url_end(s, j, end)
            if k > j:
                tok = ("l", [])
                nxt = k
        if tok is None:
            i = j + 1
            continue
        if j > text_start:
            toks.append(("t", text_start, j))
        toks.append(tok)
        i = text_start = nxt
    if end > text_start:
        toks.append(("t", text_start, end))
    _resolve_emphasis(toks, commonmark=True)
    return toks


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


# --------------------------------------------------------------------------------------------
# lines

_NEWLINE = re.compile(r"\r\n|\r|\n")


def _lines(text: str) -> list[tuple[int, int, int]]:
    """(start, content_end, next_start) for every line; terminators are \\r\\n, \\r or \\n."""
    out: list[tuple[int, int, int]] = []
    i = 0
    for mt in _NEWLINE.finditer(text):
        out.append((i, mt.start(), mt.end()))
        i = mt.end()
    out.append((i, len(text), len(text)))
    return out


class _Joined:
    """Several original ranges joined by their real line terminators, with a position map."""

    def __init__(self, original: str) -> None:
        self.original = original
        self.chunks: list[str] = []
        self.m: list[int] = []

    def add(self, a: int, b: int, newline_at: int | None) -> None:
        if newline_at is not None and self.m:
            self.chunks.append(self.original[newline_at])
            self.m.append(newline_at)
        self.chunks.append(self.original[a:b])
        self.m.extend(range(a, b))

    @property
    def s(self) -> str:
        return "".join(self.chunks)


# --------------------------------------------------------------------------------------------
# plain


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


# --------------------------------------------------------------------------------------------
# Slack mrkdwn

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


# --------------------------------------------------------------------------------------------
# Markdown


@lru_cache(maxsize=1)
def _markdown_parser() -> Any:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    # only the block structure is used (inline offsets come from our own scanner)
    return md.disable(["inline", "text_join"])


_FRONT_MATTER_OPEN = re.compile(r"(?:---|\+\+\+)[ \t]*")
_MD_PREFIX = re.compile(r"[ \t]*(?:>[ \t]?[ \t]*)*(?:(?:[-+*]|\d{1,9}[.)])(?:[ \t]+|$))?")
_QUOTE_PREFIX = re.compile(r"[ \t]*(?:>[ \t]?[ \t]*)*")


def _locate(src: str, content: str, after: int = 0) -> tuple[int, int]:
    """Where a markdown-it content line sits in its source line (containers stripped)."""
    c = content.strip()
    s2 = src.rstrip()
    if not c:
        return len(s2), len(s2)
    if s2.endswith(c) and len(s2) - len(c) >= after:
        return len(s2) - len(c), len(s2)
    i = src.find(c, after)
    if i >= 0:
        return i, i + len(c)
    mt = _MD_PREFIX.match(src, after)
    a = mt.end() if mt else after
    return min(a, len(s2)), len(s2)


def _markdown(text: str) -> PlainText:
    doc = _Doc(text)
    lines = _lines(text)
    src_lines = [text[a:b] for a, b, _ in lines]
    # YAML / TOML front matter is not prose: blank it for the parser (line numbers stay put)
    if src_lines and (fm := _FRONT_MATTER_OPEN.fullmatch(src_lines[0])):
        close = fm.group().strip()
        for k in range(1, len(src_lines)):
            if src_lines[k].rstrip() in (close, "..." if close == "---" else close):
                for q in range(k + 1):
                    src_lines[q] = ""
                break
    env: dict[str, Any] = {}
    tokens = _markdown_parser().parse("\n".join(src_lines).replace("\0", "\ufffd"), env)
    refs: Mapping[str, Any] = env.get("references", {})
    containers: list[str] = []
    list_depth = 0
    i = 0
    while i < len(tokens):
        t = tokens[i]
        typ = t.type
        if typ == "blockquote_open":
            containers.append("blockquote")
        elif typ == "list_item_open":
            containers.append("list")
        elif typ in ("blockquote_close", "list_item_close"):
            if containers:
                containers.pop()
        elif typ in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif typ in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif typ in ("paragraph_open", "heading_open") and i + 1 < len(tokens):
            inline = tokens[i + 1]
            if typ == "heading_open":
                kind, level = "heading", int(t.tag[1:] or 1)
            elif containers:
                kind = containers[-1]
                level = list_depth if kind == "list" else 0
            else:
                kind, level = "paragraph", 0
            joined = _join_content(text, lines, inline, heading=t.markup.startswith("#"))
            if joined is not None:
                buf = _Buf()
                ctx = _MdCtx(joined.s, refs)
                _emit(_md_inline(ctx, 0, len(ctx.s)), ctx.s, joined.m, buf)
                doc.add(kind, buf, level)
            i += 2
            continue
        elif typ == "tr_open" and t.map:
            ncells = 0
            k = i + 1
            while k < len(tokens) and tokens[k].type != "tr_close":
                ncells += tokens[k].type == "inline"
                k += 1
            _table_row(doc, text, lines[t.map[0]], ncells, refs)
            i = k
            continue
        elif typ == "html_block" and t.map:
            joined = _Joined(text)
            content_lines = t.content.split("\n")
            for q in range(t.map[0], min(t.map[1], len(lines))):
                a, b, _ = lines[q]
                cl = content_lines[q - t.map[0]] if q - t.map[0] < len(content_lines) else ""
                la, lb = _locate(text[a:b], cl)
                joined.add(a + la, a + lb, a - 1 if q > t.map[0] and a > 0 else None)
            buf = _Buf()
            _emit(_html_text(joined.s), joined.s, joined.m, buf)
            kind = containers[-1] if containers else "paragraph"
            doc.add(kind, buf, list_depth if kind == "list" else 0)
        i += 1
    return doc.result()


def _join_content(
    text: str, lines: list[tuple[int, int, int]], inline: Any, heading: bool
) -> _Joined | None:
    if not inline.map:
        return None
    first, last = inline.map
    content_lines = inline.content.split("\n")
    joined = _Joined(text)
    for q in range(first, min(last, len(lines))):
        k = q - first
        if k >= len(content_lines):
            break
        a, b, _ = lines[q]
        src = text[a:b]
        after = 0
        if heading:
            hm = re.match(r"[ \t]*(?:>[ \t]?[ \t]*)*#+", src)
            after = hm.end() if hm else 0
            c = content_lines[k].strip()
            idx = src.find(c, after) if c else -1
            la, lb = (idx, idx + len(c)) if idx >= 0 else (after, after)
        else:
            la, lb = _locate(src, content_lines[k])
        joined.add(a + la, a + lb, a - 1 if k and a > 0 else None)
    return joined


def _table_row(
    doc: _Doc, text: str, line: tuple[int, int, int], ncells: int, refs: Mapping[str, Any]
) -> None:
    a, b, _ = line
    pm = _QUOTE_PREFIX.match(text, a, b)
    p = pm.end() if pm else a
    stop = a + len(text[a:b].rstrip())
    cells: list[tuple[int, int]] = []
    cell_start = p
    q = p
    while q < stop:
        ch = text[q]
        if ch == "\\":
            q += 2
            continue
        if ch == "|":
            cells.append((cell_start, q))
            cell_start = q + 1
        q += 1
    cells.append((cell_start, stop))
    if (cells and cells[0][0] == cells[0][1] == p and text[p : p + 1] == "|") or (
        cells and not text[cells[0][0] : cells[0][1]].strip()
    ):
        cells = cells[1:]
    if cells and not text[cells[-1][0] : cells[-1][1]].strip():
        cells = cells[:-1]
    ident = range(len(text))
    for ca, cb in cells[: ncells or None]:
        cell = text[ca:cb]
        ca2 = ca + len(cell) - len(cell.lstrip())
        cb2 = ca + len(cell.rstrip())
        if cb2 <= ca2:
            continue
        sub = text[ca2:cb2]
        c2 = _MdCtx(sub, refs)
        buf = _Buf()
        _emit(_md_inline(c2, 0, len(sub)), sub, ident[ca2:cb2], buf)
        doc.add("table", buf, 0)


# --------------------------------------------------------------------------------------------
# public API


def to_plain(text: str, fmt: SourceFormat | str = SourceFormat.PLAIN) -> PlainText:
    """Plain prose of ``text`` (Slack mrkdwn, Markdown or plain) with its offset map."""
    if not isinstance(text, str):
        raise TypeError(f"to_plain() needs a str, got {type(text).__name__}")
    try:
        source = SourceFormat(fmt)
    except ValueError:
        known = ", ".join(f.value for f in SourceFormat)
        raise ValueError(f"unknown text format {fmt!r}: expected one of {known}") from None
    if source is SourceFormat.MRKDWN:
        return _mrkdwn(text)
    if source is SourceFormat.MARKDOWN:
        return _markdown(text)
    return _plain(text)


# --------------------------------------------------------------------------------------------
# sentences and words

_EMOJI = (
    r"(?:\p{Regional_Indicator}{2}|[\p{Extended_Pictographic}\u20E3]"
    r"(?:[\uFE0E\uFE0F]|\p{Emoji_Modifier}|\u200D\p{Extended_Pictographic})*)"
)
_EMOJI_PART = (
    r"[\p{Regional_Indicator}\p{Extended_Pictographic}\p{Emoji_Modifier}\u20E3\uFE0E\uFE0F\u200D]"
)
_SENTENCE_END = regex.compile(
    r"(?P<hard>(?:\r\n|\r|\n)[ \t\f\v]*(?:\r\n|\r|\n))"
    # a run of marks is matched from its first mark only, and possessively: "....x" costs one
    # attempt, not one per mark (that was quadratic, minutes at 40,000 characters)
    r"|(?<![.!?…。！？‼⁇⁈⁉])(?P<punct>[.!?…。！？‼⁇⁈⁉]++)(?P<close>[\"'”’»)\]]*+)"
    rf"(?P<emoji>(?:[ \t]*{_EMOJI})*)(?=\s|$)"
    # likewise a run of emoji is tried from its first emoji only (it was quadratic too)
    rf"|(?<!{_EMOJI_PART})(?P<emo>(?:{_EMOJI})++)(?=[ \t]*(?:\r\n|\r|\n))"
)
# titles and the like: never the end of a sentence
_ABBR_NEVER = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "mx",
        "dr",
        "prof",
        "rev",
        "hon",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "cmdr",
        "gov",
        "sen",
        "rep",
        "pres",
        "st",
        "mt",
        "ft",
        "e.g",
        "eg",
        "i.e",
        "ie",
        "vs",
        "cf",
        "viz",
        "approx",
        "appt",
        "apt",
        "dept",
        "est",
        "ca",
        "resp",
    ]
)
# only abbreviations when a number follows ("No. 5", "Jan. 3", "p. 12")
_ABBR_NUMERIC = frozenset(
    [
        "no",
        "nos",
        "vol",
        "vols",
        "p",
        "pp",
        "fig",
        "figs",
        "ch",
        "sec",
        "art",
        "op",
        "ed",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
    ]
)
# abbreviations that may also end a sentence: a boundary only when no lowercase word follows
_ABBR_MAY_END = frozenset(
    [
        "etc",
        "inc",
        "ltd",
        "co",
        "corp",
        "llc",
        "plc",
        "bros",
        "jr",
        "sr",
        "esq",
        "al",
        "phd",
        "u.s",
        "u.k",
        "e.u",
        "a.m",
        "p.m",
    ]
)
_OPENERS = "\"'“‘([{«"


def _is_boundary(text: str, start: int, punct: str, end: int) -> bool:
    """Decide whether the terminal punctuation ``punct`` at ``start`` ends a sentence."""
    n = len(text)
    q = end
    while q < n and text[q].isspace():
        q += 1
    if q >= n:
        return True
    nxt = text[q]
    if punct.startswith(("..", "…")):
        return nxt.isupper()
    if "." not in punct or any(ch in punct for ch in "!?。！？‼⁇⁈⁉"):
        return True
    # a single full stop: look at the word before it
    w = start
    while w > 0 and not text[w - 1].isspace():
        w -= 1
    token = text[w:start].lstrip(_OPENERS)
    low = token.lower()
    if not token:
        return True
    if low in _ABBR_NEVER:
        return False
    if low in _ABBR_NUMERIC:
        return not nxt.isdigit()
    if token.isdigit() and len(token) <= 3:
        # "1. Install" at the start of a line is list numbering (only the blanks before the
        # token are looked at: bounded, where a search for the line start was not)
        b = w
        while b > 0 and text[b - 1] in " \t":
            b -= 1
        if b == 0 or text[b - 1] in "\r\n":
            return False
    if len(token) == 1 and token.isalpha() and token != "I":
        # an initial ("J. Smith"), or a lone letter
        return not (token.isupper() and nxt.isupper()) and not nxt.islower()
    if low in _ABBR_MAY_END or (regex.fullmatch(r"(?:\p{L}\.)+\p{L}", token) is not None):
        return not nxt.islower()
    return True


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence ranges ``(start, end)`` in ``text``, trimmed of surrounding whitespace.

    Splits after ``.``, ``!``, ``?`` and ellipses (plus closing quotes/brackets and emoji that
    follow), after an emoji that ends a line, and always at blank lines (never across them).
    Abbreviations (e.g., i.e., Mr., Dr., Inc., U.S., etc.), initials, decimals ($1.99),
    version numbers, URLs and e-mail addresses do not end a sentence; a final sentence without
    punctuation runs to the end.
    """
    if not isinstance(text, str):
        raise TypeError(f"split_sentences() needs a str, got {type(text).__name__}")
    out: list[tuple[int, int]] = []

    def add(a: int, b: int) -> None:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))

    pos = 0
    for mt in _SENTENCE_END.finditer(text):
        if mt.group("hard") is not None:
            add(pos, mt.start())
            pos = mt.end()
        elif mt.group("emo") is not None or _is_boundary(
            text, mt.start(), mt.group("punct"), mt.end()
        ):
            add(pos, mt.end())
            pos = mt.end()
    add(pos, len(text))
    return out


_WORD = regex.compile(
    r"\p{N}+(?:[.,]\p{N}+)*(?:['’\-][\p{L}\p{N}][\p{L}\p{N}\p{M}]*)*"
    r"|[\p{L}\p{N}][\p{L}\p{N}\p{M}]*(?:['’\-][\p{L}\p{N}][\p{L}\p{N}\p{M}]*)*"
)


def word_prefix_end(text: str, n: int) -> int | None:
    """The offset just after the ``n``-th word of ``text`` when it has more than ``n`` words
    (``None`` otherwise): where to cut a draft that is too long to review whole."""
    for i, m in enumerate(_WORD.finditer(text)):
        if i == n:
            return int(m.start())
    return None


def word_count(text: str) -> int:
    """Number of words: runs of letters/digits with inner apostrophes or hyphens ("don't",
    "state-of-the-art" and "3.5" are one word each); emoji and punctuation are not words."""
    return sum(1 for _ in _WORD.finditer(text))
