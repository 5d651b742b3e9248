"""Lines of the original text, and original ranges joined back into one string with a map."""

from __future__ import annotations

import re

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
