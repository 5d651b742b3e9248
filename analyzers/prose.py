"""Small, dependency-free facts about a stretch of prose that the model analyses need.

* ``prose_weight(text)``: how much prose a sentence carries — the number of letters and digits,
  ignoring Slack emoji codes (``:tada:``). Emoji-only or punctuation-only text weighs 0. Model
  scores are averaged over sentences with these weights ("length-weighted").
* ``trim_range(text, start, end)``: a sentence range without surrounding whitespace.

The draft's language is :mod:`analyzers.language`'s business.
"""

from __future__ import annotations

import re

_EMOJI_CODE = re.compile(r":[a-z0-9_+\-]+:")
_ALNUM = re.compile(r"[^\W_]")


def prose_weight(text: str) -> int:
    """Number of letters and digits in ``text``, not counting ``:emoji_codes:``."""
    return len(_ALNUM.findall(_EMOJI_CODE.sub(" ", text)))


def has_prose(text: str) -> bool:
    return prose_weight(text) > 0


def trim_range(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` clamped to ``text`` and stripped of surrounding whitespace."""
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def chunk_range(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Split ``[start, end)`` into pieces of at most ``max_chars``, at whitespace when possible.

    Used for run-on "sentences" (a 100k-character draft without punctuation) so that scores stay
    attributable to a readable stretch of text; nothing is dropped: the pieces cover the range.
    """
    if max_chars <= 0:
        raise ValueError("max_chars must be positive")
    out: list[tuple[int, int]] = []
    pos = start
    while end - pos > max_chars:
        cut = pos + max_chars
        space = text.rfind(" ", pos + max_chars // 2, cut + 1)
        if space < 0:
            space = max(
                text.rfind("\n", pos + max_chars // 2, cut + 1),
                text.rfind("\t", pos + max_chars // 2, cut + 1),
            )
        if space > pos:
            cut = space
        out.append((pos, cut))
        pos = cut
        while pos < end and text[pos].isspace():
            pos += 1
    if pos < end:
        out.append((pos, end))
    return out
