"""``extends: conditional`` — if ``first`` appears, ``second`` must appear too (definitions)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from analyzers.rules.base import (
    BaseRule,
    FileState,
    Match,
    ScopedBlock,
    compile_pattern,
    exception_pattern,
)


class Conditional(BaseRule):
    extends = "conditional"
    keys = frozenset({"ignorecase", "first", "second", "exceptions"})

    def __init__(self, name: str, data: Mapping[str, Any], *, source: str = "") -> None:
        super().__init__(name, data, source=source)
        f = self.fields
        self.first = f.text("first")
        self.second = f.text("second")
        for key in ("first", "second"):
            if not getattr(self, key):
                raise f.error(key, "a conditional rule needs both 'first' and 'second'")
        self.ignorecase = f.flag("ignorecase")
        self.exceptions = f.strings("exceptions")
        flag = "(?i)" if self.ignorecase else ""
        self.first_re = compile_pattern(flag + self.first, source=source, rule=name, key="first")
        self.second_re = compile_pattern(flag + self.second, source=source, rule=name, key="second")
        self._except = exception_pattern(self.exceptions, False)

    def accept(self, terms: Sequence[str]) -> None:
        if self.vocab:
            self._except = exception_pattern([*self.exceptions, *terms], False)

    def run(self, block: ScopedBlock, state: FileState) -> list[Match]:
        seen = state.seq(self.name)
        text = block.text
        has_group = self.second_re.groups > 0
        for m in self.second_re.finditer(text):
            if not has_group:
                seen.append("\0present")
            seen.extend(g for g in m.groups() if g)
        out: list[Match] = []
        for m in self.first_re.finditer(text):
            s = m.group()
            defined = s in seen if has_group else "\0present" in seen
            if defined or (self._except is not None and self._except.search(s)):
                continue
            out.append(self.make(text, m.start(), m.end()))
        return out
