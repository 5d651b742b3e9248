"""Personal data out before text leaves the machine; results mapped back onto the original.

:func:`redact` replaces e-mail addresses, phone numbers, Slack mentions and @-handles, URLs and
the given name spans (people found by the embedded entity model) with neutral placeholders.
:class:`Redaction` keeps the segment map, so a span in the text that was sent maps back to the
exact original characters; a span that touches a placeholder covers the whole original item.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "[EMAIL]",
        re.compile(r"[\w.!#$%&'*+/=?^`{|}~\-]+@[A-Za-z0-9](?:[\w\-]*[A-Za-z0-9])?(?:\.[\w\-]+)+"),
    ),
    ("[URL]", re.compile(r"<?(?:https?://|www\.)[^\s<>|]+[^\s<>|.,;:!?)\]'\"]>?", re.IGNORECASE)),
    ("@user", re.compile(r"<[@!#][A-Z0-9]+(?:\|[^>]*)?>|(?<![\w@])@[\w.\-]*\w")),
    (
        "[PHONE]",
        re.compile(r"(?<![\w+])\+?\d[\d ()\-./]{6,}\d(?!\w)"),
    ),
)
NAME = "[NAME]"
PLACEHOLDERS = (*(p for p, _ in _PATTERNS), NAME)


def _is_phone(candidate: str) -> bool:
    digits = sum(c.isdigit() for c in candidate)
    return 8 <= digits <= 15 and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", candidate)


@dataclass(frozen=True)
class Redaction:
    """``sent`` is what leaves the machine; ``segments`` are
    ``(sent_start, sent_end, orig_start, orig_end, placeholder)``, in order, covering both."""

    original: str
    sent: str
    segments: tuple[tuple[int, int, int, int, bool], ...]

    @property
    def changed(self) -> bool:
        return self.sent != self.original

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """A span of ``sent`` as a span of ``original``."""
        if not self.segments:
            return start, end
        starts = [s[0] for s in self.segments]
        a = self.segments[max(bisect_right(starts, start) - 1, 0)]
        b = self.segments[max(bisect_right(starts, max(end - 1, start)) - 1, 0)]
        o_start = a[2] if a[4] else a[2] + (start - a[0])
        o_end = b[3] if b[4] else b[2] + (end - b[0])
        return o_start, max(o_end, o_start)

    def overlaps_placeholder(self, start: int, end: int) -> bool:
        return any(s[4] and s[0] < end and start < s[1] for s in self.segments)


def personal_spans(text: str, names: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int, str]]:
    """``(start, end, placeholder)`` for the personal data in ``text``, in order, no overlaps;
    ``names`` are spans of people's names in it."""
    hits: list[tuple[int, int, str]] = [(a, b, NAME) for a, b in names if 0 <= a < b <= len(text)]
    for placeholder, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if placeholder == "[PHONE]" and not _is_phone(m.group()):
                continue
            hits.append((m.start(), m.end(), placeholder))
    # earliest first, longest first at the same start; drop overlaps
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    chosen: list[tuple[int, int, str]] = []
    for a, b, p in hits:
        if chosen and a < chosen[-1][1]:
            continue
        chosen.append((a, b, p))
    return chosen


def redact_range(
    text: str, start: int, end: int, spans: Sequence[tuple[int, int, str]]
) -> Redaction:
    """``text[start:end]`` with the document-level ``spans`` applied (clipped to the range, so
    an address a sentence splitter cut in two is still replaced on both sides)."""
    local = [
        (max(a, start) - start, min(b, end) - start, p)
        for a, b, p in spans
        if a < end and b > start
    ]
    return apply(text[start:end], local)


def redact(text: str, names: Sequence[tuple[int, int]] = ()) -> Redaction:
    """``text`` with personal data replaced; ``names`` are spans of people's names in it."""
    return apply(text, personal_spans(text, names))


def apply(text: str, chosen: Sequence[tuple[int, int, str]]) -> Redaction:
    if not chosen:
        return Redaction(text, text, ((0, len(text), 0, len(text), False),))
    parts: list[str] = []
    segments: list[tuple[int, int, int, int, bool]] = []
    pos = out = 0
    for a, b, p in chosen:
        if a > pos:
            parts.append(text[pos:a])
            segments.append((out, out + a - pos, pos, a, False))
            out += a - pos
        parts.append(p)
        segments.append((out, out + len(p), a, b, True))
        out += len(p)
        pos = b
    if pos < len(text):
        parts.append(text[pos:])
        segments.append((out, out + len(text) - pos, pos, len(text), False))
    return Redaction(text, "".join(parts), tuple(segments))
