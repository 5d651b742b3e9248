"""The result of :func:`analyzers.text.to_plain`: :class:`PlainText` and its :class:`Block` s."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from analyzers.text.sentences import split_sentences
from analyzers.types import Span


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
    # what the conversion did not read and why ("the page is cut at line 3: an unclosed <!--")
    notes: tuple[str, ...] = field(default=(), repr=False)

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
