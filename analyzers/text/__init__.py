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

from analyzers.text.convert import to_plain
from analyzers.text.plaintext import Block, PlainText
from analyzers.text.sentences import split_sentences
from analyzers.text.words import word_count, word_prefix_end

__all__ = ["Block", "PlainText", "split_sentences", "to_plain", "word_count", "word_prefix_end"]
