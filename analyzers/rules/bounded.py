"""User-supplied regular expressions with a time budget (ReDoS).

Every pattern that comes from a brand guide, a Vale style, a vocabulary or ``.vale.ini`` is a
``BoundedPattern``: each search runs with the ``regex`` module's ``timeout`` and raises
``TimeoutError`` past ``PATTERN_TIMEOUT_S`` (the rule engine then skips that rule for that draft
and says so). ``probe`` runs a pattern over a few short hostile strings at load time: one that
needs more than ``PROBE_TIMEOUT_S`` on 25 characters is catastrophically backtracking
(``(a|a)+$``) and is rejected with the rule's name.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import regex

__all__ = ["PATTERN_TIMEOUT_S", "PROBE_TIMEOUT_S", "BoundedPattern", "bounded", "probe"]

PATTERN_TIMEOUT_S = 0.5
PROBE_TIMEOUT_S = 0.1
_PROBES = (
    "a" * 25 + "!",
    "a " * 13 + "!",
    "ab" * 12 + "!",
    "1" * 25 + "x",
    "aA1-_." * 4 + "\n",
    "We leverage synergy today, guaranteed!! " * 1,
)


class BoundedPattern:
    """A compiled ``regex`` pattern whose matching methods always carry a timeout."""

    __slots__ = ("_rx", "timeout")

    def __init__(self, compiled: regex.Pattern[str], timeout: float = PATTERN_TIMEOUT_S) -> None:
        self._rx = compiled
        self.timeout = timeout

    @property
    def pattern(self) -> str:
        return str(self._rx.pattern)

    @property
    def flags(self) -> int:
        return int(self._rx.flags)

    @property
    def groups(self) -> int:
        return int(self._rx.groups)

    def finditer(self, string: str, pos: int = 0, endpos: int | None = None) -> Iterator[Any]:
        end = len(string) if endpos is None else endpos
        return iter(self._rx.finditer(string, pos, end, timeout=self.timeout))

    def search(self, string: str, pos: int = 0, endpos: int | None = None) -> Any:
        end = len(string) if endpos is None else endpos
        return self._rx.search(string, pos, end, timeout=self.timeout)

    def match(self, string: str, pos: int = 0, endpos: int | None = None) -> Any:
        end = len(string) if endpos is None else endpos
        return self._rx.match(string, pos, end, timeout=self.timeout)

    def fullmatch(self, string: str, pos: int = 0, endpos: int | None = None) -> Any:
        end = len(string) if endpos is None else endpos
        return self._rx.fullmatch(string, pos, end, timeout=self.timeout)

    def findall(self, string: str) -> list[Any]:
        return list(self._rx.findall(string, timeout=self.timeout))

    def sub(self, repl: str | Callable[[Any], str], string: str, count: int = 0) -> str:
        return str(self._rx.sub(repl, string, count, timeout=self.timeout))

    def split(self, string: str, maxsplit: int = 0) -> list[str]:
        return list(self._rx.split(string, maxsplit, timeout=self.timeout))

    def __repr__(self) -> str:
        return f"BoundedPattern({self.pattern!r}, timeout={self.timeout})"


def bounded(pattern: str | regex.Pattern[str], flags: int = 0) -> BoundedPattern:
    compiled = regex.compile(pattern, flags) if isinstance(pattern, str) else pattern
    return BoundedPattern(compiled)


def probe(compiled: regex.Pattern[str] | BoundedPattern) -> str | None:
    """``None`` when the pattern is fast on the probes, else why it is rejected."""
    rx = compiled._rx if isinstance(compiled, BoundedPattern) else compiled
    for text in _PROBES:
        # the regex module checks its timeout coarsely: this thread's CPU time decides too
        # (CPU, not wall, time: a busy machine never gets a good pattern rejected)
        started = time.thread_time()
        try:
            for _ in rx.finditer(text, timeout=PROBE_TIMEOUT_S):
                pass
            slow = time.thread_time() - started > PROBE_TIMEOUT_S
        except TimeoutError:
            slow = True
        if slow:
            return (
                f"it takes over {PROBE_TIMEOUT_S:g} s on a {len(text)}-character text "
                "(catastrophic backtracking, as in (a|a)+$); simplify it"
            )
    return None
