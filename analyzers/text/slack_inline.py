"""Slack mrkdwn inline markup -> tokens: mentions, links, entities, emoji, emphasis."""

from __future__ import annotations

import re

from analyzers.text.inline import _code_spans, _Delim, _resolve_emphasis, _Tok, _url_end
from analyzers.text.plaintext import MENTION_PLACEHOLDERS

_SLACK_ENTITY_RE = re.compile(r"&(?:amp|lt|gt);")
_SLACK_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">"}


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
