"""Rule types that load (so real styles load whole) but never report: they need part-of-speech
tagging (``sequence``), a Tengo interpreter (``script``) or a LanguageTool server (``lt``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from analyzers.rules.base import BaseRule, FileState, Match, ScopedBlock


class Unsupported(BaseRule):
    supported = False

    def __init__(self, name: str, data: Mapping[str, Any], *, source: str = "") -> None:
        super().__init__(name, data, source=source)

    def run(self, block: ScopedBlock, state: FileState) -> list[Match]:
        return []


class Sequence(Unsupported):
    extends = "sequence"
    keys = frozenset({"tokens", "ignorecase"})


class Script(Unsupported):
    extends = "script"
    keys = frozenset({"script"})


class LanguageTool(Unsupported):
    extends = "lt"
