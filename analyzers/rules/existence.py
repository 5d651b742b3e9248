"""``extends: existence`` — flag every match of ``tokens`` (as words) and/or ``raw``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import regex

from analyzers.rules.base import BaseRule, FileState, Match, ScopedBlock, compile_pattern


def exception_pattern(terms: Sequence[str], ignorecase: bool) -> regex.Pattern[str] | None:
    """Whole-match pattern for ``exceptions`` (longest first, as Vale sorts them)."""
    terms = sorted({t for t in terms if t}, key=len, reverse=True)
    if not terms:
        return None
    body = "|".join(terms)
    try:
        return regex.compile(("(?i)" if ignorecase else "") + f"(?:{body})")
    except regex.error:
        escaped = "|".join(regex.escape(t) for t in terms)
        return regex.compile(("(?i)" if ignorecase else "") + f"(?:{escaped})")


def phrase_pattern(terms: Sequence[str], ignorecase: bool) -> regex.Pattern[str] | None:
    """Accepted multi-word vocabulary phrases, as whole words (longest first)."""
    phrases = sorted({t for t in terms if " " in t.strip()}, key=len, reverse=True)
    if not phrases:
        return None
    flags = "(?i)" if ignorecase else ""
    try:
        return regex.compile(flags + r"\b(?:" + "|".join(phrases) + r")\b")
    except regex.error:
        return regex.compile(flags + r"\b(?:" + "|".join(map(regex.escape, phrases)) + r")\b")


def accepted_spans(pattern: regex.Pattern[str] | None, text: str) -> list[tuple[int, int]]:
    """Where accepted phrases occur in ``text``: matches inside them are exempt (Vale #1035)."""
    return [m.span() for m in pattern.finditer(text)] if pattern is not None else []


class Existence(BaseRule):
    extends = "existence"
    keys = frozenset({"append", "ignorecase", "nonword", "raw", "tokens", "exceptions"})

    def __init__(self, name: str, data: Mapping[str, Any], *, source: str = "") -> None:
        super().__init__(name, data, source=source)
        f = self.fields
        self.tokens = f.strings("tokens")
        self.raw = f.strings("raw")
        self.ignorecase = f.flag("ignorecase")
        self.nonword = f.flag("nonword")
        self.append = f.flag("append")
        self.exceptions = f.strings("exceptions")
        if not self.tokens and not self.raw:
            raise f.error("tokens", "an existence rule needs 'tokens' or 'raw'")
        word = not self.nonword and bool(self.tokens)
        core = ""
        if self.tokens:
            joined = "|".join(self.tokens)
            core = rf"(?m)\b(?:{joined})\b" if word else f"(?m)(?:{joined})"
        raw = "".join(self.raw)
        body = core + raw if self.append else raw + core
        pattern = ("(?i)" if self.ignorecase else "") + body
        self.pattern = compile_pattern(pattern, source=source, rule=name, key="tokens")
        self._except = exception_pattern(self.exceptions, self.ignorecase)
        self._phrases: regex.Pattern[str] | None = None

    def accept(self, terms: Sequence[str]) -> None:
        if self.vocab and not self.nonword:
            self._except = exception_pattern([*self.exceptions, *terms], self.ignorecase)
            self._phrases = phrase_pattern(terms, self.ignorecase)

    def run(self, block: ScopedBlock, state: FileState) -> list[Match]:
        out: list[Match] = []
        text = block.text
        inside = accepted_spans(self._phrases, text)
        for m in self.pattern.finditer(text):
            if m.end() == m.start():
                continue
            if self._except is not None and self._except.fullmatch(m.group()):
                continue
            if any(s <= m.start() and m.end() <= e for s, e in inside):
                continue  # part of an accepted multi-word phrase
            out.append(self.make(text, m.start(), m.end()))
        return out
