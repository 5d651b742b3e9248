"""Metric samples kept in memory (latencies, batch sizes, reported errors): the newest
``KEEP`` of them, so a bot that runs for months does not grow without bound."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")

KEEP = 10_000


def record(samples: list[T], value: T, keep: int = KEEP) -> None:
    """Append ``value``; past ``2 * keep`` samples, drop all but the newest ``keep`` (amortised:
    one trim per ``keep`` appends)."""
    samples.append(value)
    if len(samples) > 2 * keep:
        del samples[:-keep]
