"""``extends: occurrence`` — too many (``max``) or too few (``min``) matches of ``token``.

Vale reports the first match. ``span: scope`` (a brandbot extension, which only the guide's own
``Brand.SentenceLength`` uses) reports the whole scope instead: the long sentence is underlined,
not its first word."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from analyzers.rules.base import (
    BaseRule,
    FileState,
    Match,
    ScopedBlock,
    compile_pattern,
    format_message,
)


def _is_code(matched: str) -> bool:
    """A match made only of masked inline code (``*``) or backticks."""
    return bool(matched) and not matched.strip("*`")


class Occurrence(BaseRule):
    extends = "occurrence"
    keys = frozenset({"ignorecase", "max", "min", "token", "span"})

    def __init__(self, name: str, data: Mapping[str, Any], *, source: str = "") -> None:
        super().__init__(name, data, source=source)
        f = self.fields
        self.max = f.integer("max")
        self.min = f.integer("min")
        self.token = f.text("token")
        if not self.token:
            raise f.error("token", "an occurrence rule needs a 'token' pattern")
        if self.max <= 0 and self.min <= 0:
            raise f.error("max", "an occurrence rule needs 'max' or 'min' above 0")
        self.whole_scope = f.text("span") == "scope"
        if f.text("span") not in ("", "scope", "match"):
            raise f.error("span", "expected 'match' (the default) or 'scope'")
        self.ignorecase = f.flag("ignorecase")
        pattern = ("(?i)" if self.ignorecase else "") + f"(?:{self.token})"
        self.pattern = compile_pattern(pattern, source=source, rule=name, key="token")

    def run(self, block: ScopedBlock, state: FileState) -> list[Match]:
        text = block.text
        locs = [m.span() for m in self.pattern.finditer(text)]
        n = len(locs)
        if (self.max > 0 and n > self.max) or (self.min > 0 and n < self.min):
            if self.whole_scope:
                start = len(text) - len(text.lstrip())
                end = len(text.rstrip())
                return [
                    Match(start, end, text[start:end], format_message(self.message, str(n)), ())
                ]
            start, end = locs[0] if locs else (0, 0)
            # Vale reports the first match that is not (masked) inline code.
            for s, e in locs:
                if not _is_code(text[s:e]):
                    start, end = s, e
                    break
            return [Match(start, end, text[start:end], format_message(self.message, str(n)), ())]
        return []
