"""Words: the count of a text's words and where its first ``n`` words end."""

from __future__ import annotations

import regex

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
