"""Numbers read from settings, within bounds: one parser for the bot's settings and the
hosted-inference settings (``bot/settings.py`` and ``analyzers/remote/config.py``).

A bad value is recorded as one problem line naming the variable (``NAME='x' is not a number``,
``NAME=0 must be between 1 and 256``) and the default is used, so the caller can report every
problem at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

_Num = TypeVar("_Num", int, float)


class BoundedParser:
    """``get(name)`` gives the raw value (``None`` when unset); problems go to ``problems``."""

    def __init__(self, get: Callable[[str], str | None], problems: list[str]) -> None:
        self.get = get
        self.problems = problems

    def bounded(
        self, name: str, default: _Num, lo: _Num, hi: _Num, parse: Callable[[str], _Num], what: str
    ) -> _Num:
        raw = self.get(name)
        if raw is None:
            return default
        try:
            value = parse(raw.strip())
        except ValueError:
            self.problems.append(f"{name}={raw!r} is not {what}")
            return default
        if not lo <= value <= hi:  # NaN fails this too
            self.problems.append(f"{name}={raw.strip()} must be between {lo:g} and {hi:g}")
            return default
        return value

    def integer(self, name: str, default: int, lo: int, hi: int) -> int:
        return self.bounded(name, default, lo, hi, int, "a whole number")

    def number(self, name: str, default: float, lo: float, hi: float) -> float:
        return self.bounded(name, default, lo, hi, float, "a number")
