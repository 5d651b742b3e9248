"""``extends: consistency`` — only one of each ``either`` pair may appear in a document."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import regex

from analyzers.rules.base import BaseRule, FileState, Match, ScopedBlock, compile_pattern


class Consistency(BaseRule):
    extends = "consistency"
    keys = frozenset({"ignorecase", "nonword", "either"})

    def __init__(self, name: str, data: Mapping[str, Any], *, source: str = "") -> None:
        super().__init__(name, data, source=source)
        f = self.fields
        self.either = f.mapping("either")
        if not self.either:
            raise f.error("either", "a consistency rule needs a non-empty 'either' mapping")
        self.ignorecase = f.flag("ignorecase")
        self.nonword = f.flag("nonword")
        self.steps: list[tuple[regex.Pattern[str], tuple[str, str]]] = []
        for i, (a, b) in enumerate(self.either.items()):
            subs = (f"c{2 * i}", f"c{2 * i + 1}")
            body = f"(?P<{subs[0]}>{a})|(?P<{subs[1]}>{b})"
            body = rf"(?m)\b(?:{body})\b" if not self.nonword else f"(?m)(?:{body})"
            pattern = ("(?i)" if self.ignorecase else "") + body
            self.steps.append(
                (compile_pattern(pattern, source=source, rule=name, key="either"), subs)
            )

    def run(self, block: ScopedBlock, state: FileState) -> list[Match]:
        seen = state.seq(self.name)
        out: list[Match] = []
        text = block.text
        for pattern, subs in self.steps:
            found = False
            loc = (0, 0)
            for m in pattern.finditer(text):
                for sub in subs:
                    if m.start(sub) >= 0:
                        loc = m.span(sub)
                        seen.append(sub)
                        found = True
            if found and all(s in seen for s in subs):
                # Vale keeps the last match but locates it by searching for its text, so the
                # alert lands on the first occurrence of that text in the block
                first = text.find(text[loc[0] : loc[1]])
                start = first if first >= 0 else loc[0]
                out.append(self.make(text, start, start + loc[1] - loc[0]))
        return out
