"""``extends: existence`` — flag every match of ``tokens`` (as words) and/or ``raw``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from analyzers.rules.base import FileState, Match, ScopedBlock, VocabRule, compile_pattern, within


class Existence(VocabRule):
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
        self._init_exceptions()

    def run(self, block: ScopedBlock, state: FileState) -> list[Match]:
        out: list[Match] = []
        text = block.text
        inside = self.phrase_spans(text)
        for m in self.pattern.finditer(text):
            if m.end() == m.start():
                continue
            if self.excepted(m.group()):
                continue
            if within(inside, m.start(), m.end()):
                continue  # part of an accepted multi-word phrase
            out.append(self.make(text, m.start(), m.end()))
        return out
