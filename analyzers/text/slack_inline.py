"""Slack mrkdwn inline markup -> tokens: mentions, links, entities, emoji, emphasis."""

from __future__ import annotations

import re

from analyzers.text.inline import _bare_url, _code_spans, _Delim, _scan, _Step, _Tok
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
    code = _code_spans(s, start, end, escapes=False) if "`" in s[start:end] else {}

    def step(j: int) -> _Step:
        c = s[j]
        if c == "`":
            if j in code:
                return [("l", [])], code[j]
            k = j
            while k < end and s[k] == "`":
                k += 1
            return None, k
        if c == "<":
            am = _SL_ANGLE.match(s, j, end)
            tok = _slack_angle(s, j, am.end() - 1) if am else None
            return ([tok], am.end()) if am and tok is not None else (None, j + 1)
        if c == "&":
            em = _SLACK_ENTITY_RE.match(s, j, end)
            if em:
                return [("r", j, em.end(), _SLACK_ENTITIES[em.group()])], em.end()
            return None, j + 1
        if c == ":":
            em = _SL_EMOJI.match(s, j, end)
            if em and (j == start or not s[j - 1].isalnum()):
                name = em.group(1)
                if name in ("+1", "-1") or any(ch.isalpha() for ch in name):
                    return [("l", [])], em.end()
            return None, j + 1
        if c in "*_~":
            k = j
            while k < end and s[k] == c:
                k += 1
            prev = s[j - 1] if j > start else " "
            after = s[k] if k < end else " "
            can_open = not prev.isalnum() and not after.isspace()
            can_close = not prev.isspace() and not after.isalnum()
            return [("d", _Delim(c, j, k, can_open, can_close))], k
        return _bare_url(s, j, end)

    return _scan(s, start, end, _SL_SPECIAL, step, commonmark=False)
