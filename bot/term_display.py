"""Guide terms as copywriters read them: a regex variant shown as the words it matches.

``set-?up(?= (?:your|the|a|an) )`` → ``set-up / setup (before your, the, a, an)``;
``never (?:fails|breaks)`` → ``never fails / never breaks``; ``better than \\w+`` →
``better than …``. A pattern too open to list is shown with its syntax removed.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

# the standard library's own regex parser (typeshed does not describe these modules)
sre_parse: Any = importlib.import_module("re._parser")
C: Any = importlib.import_module("re._constants")

MAX_FORMS = 16  # enumerated at most
SHOWN_FORMS = 4  # listed at most


class _TooOpen(Exception):
    pass


def readable_pattern(pattern: str) -> str:
    """The words ``pattern`` matches, for people (never raises)."""
    try:
        tree = sre_parse.parse(pattern)
    except (re.error, RecursionError):
        return _strip_syntax(pattern)
    try:
        forms = _forms(list(tree))
    except _TooOpen:
        return _strip_syntax(pattern)
    unique = list(dict.fromkeys(f.strip() for f in forms if f.strip()))
    shown = " / ".join(unique[:SHOWN_FORMS]) + (" / …" if len(unique) > SHOWN_FORMS else "")
    context = _lookahead_words(list(tree))
    return f"{shown} (before {context})" if context else shown or _strip_syntax(pattern)


def _forms(nodes: list[tuple[Any, Any]]) -> list[str]:
    out = [""]
    for op, av in nodes:
        if op is C.LITERAL:
            alts = [chr(av)]
        elif op is C.NOT_LITERAL:
            alts = ["…"]
        elif op is C.IN:
            chars = [chr(v) for o, v in av if o is C.LITERAL]
            small = chars and len(chars) == len(av) and len(chars) <= 3
            alts = chars[:1] if small else ["…"]
        elif op in (C.ANY,):
            alts = ["…"]
        elif op is C.SUBPATTERN:
            alts = _forms(list(av[-1]))
        elif op is C.BRANCH:
            alts = [f for branch in av[1] for f in _forms(list(branch))]
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
            low, high, sub = av
            inner = _forms(list(sub))
            if low == 0 and high == 1:
                alts = ["", *inner]
            elif high == 1 and low == 1:
                alts = inner
            else:
                alts = ["…"]
        elif op in (C.ASSERT, C.ASSERT_NOT, C.AT):
            alts = [""]  # context, not words: see _lookahead_words
        else:
            raise _TooOpen
        out = [a + b for a in out for b in alts]
        if len(out) > MAX_FORMS:
            raise _TooOpen
    return [re.sub(r"…+", "…", f) for f in out]


def _lookahead_words(nodes: list[tuple[Any, Any]]) -> str:
    """``(?= (?:your|the) )`` → ``your, the``: what must follow, as words."""
    for op, av in nodes:
        if op is C.ASSERT and av[0] == 1:  # lookahead
            try:
                forms = _forms(list(av[1]))
            except _TooOpen:
                return ""
            return ", ".join(dict.fromkeys(f.strip() for f in forms if f.strip()))
    return ""


def _strip_syntax(pattern: str) -> str:
    text = re.sub(r"\(\?[=!<][^)]*\)", "", pattern)  # lookarounds
    text = re.sub(r"\\[bBAZ]", "", text)
    text = re.sub(r"\\[wWdDsS][+*?]?|\.[+*?]?", "…", text)
    text = text.replace("|", " / ")
    text = re.sub(r"[()?:^$+*\\\[\]{}]", "", text)
    return " ".join(text.split()) or pattern
