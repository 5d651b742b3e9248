"""Slack mrkdwn / Markdown -> plain prose with an offset map back to the original text.

CONTRACT (other modules rely on exactly this; implementation in progress):

* ``to_plain(text, fmt) -> PlainText``
* ``PlainText.text``: the prose that rules and models see.
* ``PlainText.offsets``: ``len(offsets) == len(text) + 1``; ``offsets[i]`` is the index in the
  original text of plain character ``i``; the last entry is the original end position of the
  prose (so an end offset maps too).
* ``PlainText.blocks``: the prose split into blocks with a ``kind`` (paragraph, heading, list,
  blockquote, table) in plain-text coordinates; code is skipped entirely (never in ``text``).
* ``PlainText.to_original(start, end) -> Span``: plain range -> original range.
* ``split_sentences(text) -> list[tuple[int, int]]``: sentence ranges in ``text``.
"""

from __future__ import annotations

from dataclasses import dataclass

from analyzers.types import SourceFormat, Span


@dataclass(frozen=True)
class Block:
    kind: str  # "paragraph" | "heading" | "list" | "blockquote" | "table"
    start: int  # plain-text offsets, half open
    end: int
    level: int = 0  # heading level (1-6) or list nesting depth


@dataclass(frozen=True)
class PlainText:
    original: str
    text: str
    offsets: tuple[int, ...]
    blocks: tuple[Block, ...]

    def to_original(self, start: int, end: int) -> Span:
        if start >= end:
            o = self.offsets[start]
            return Span(o, o)
        # end maps through the last included character so trailing markup is excluded
        return Span(self.offsets[start], self.offsets[end - 1] + 1)


def to_plain(text: str, fmt: SourceFormat = SourceFormat.PLAIN) -> PlainText:
    raise NotImplementedError


def split_sentences(text: str) -> list[tuple[int, int]]:
    raise NotImplementedError
