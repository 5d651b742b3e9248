"""Slack message timestamps."""

from __future__ import annotations


def ts_key(ts: str) -> tuple[int, int]:
    """Slack timestamps compared exactly (``"1700000000.000100"``), not as floats."""
    whole, _, frac = str(ts).partition(".")
    try:
        return int(whole or 0), int((frac + "000000")[:6])
    except ValueError:
        return (0, 0)
