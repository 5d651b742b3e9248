"""Per-process state that a long-running bot keeps in memory stays bounded (an independent
hostile pass: one lock per message ever reviewed or deleted, and every latency, batch size
and reported error, were kept forever)."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path
from typing import Any

from botkit import FakeReviewer, running
from fakeslack.fixtures import fake_slack  # noqa: F401

from bot.samples import record


def test_samples_keep_the_newest() -> None:
    samples: list[int] = []
    for i in range(25_000):
        record(samples, i, keep=1_000)
    assert len(samples) <= 2_000 and samples[-1] == 24_999
    assert samples == list(range(25_000 - len(samples), 25_000))


async def test_a_drafts_lock_lives_only_while_it_is_used(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with running(fake_slack, tmp_path, "socket", FakeReviewer()) as h:
        ctx = h.bot.ctx
        for i in range(300):
            async with ctx.lock_for("C0DRAFTS", f"1700000000.{i:06d}"):
                pass
        gc.collect()
        assert len(ctx._locks) < 10
        # one draft, two jobs: the second waits for the first on the same lock
        order: list[str] = []

        async def job(name: str) -> None:
            async with ctx.lock_for("C0DRAFTS", "1700000001.000001"):
                order.append(f"{name} in")
                await asyncio.sleep(0.05)
                order.append(f"{name} out")

        await asyncio.gather(job("a"), job("b"))
        assert order == ["a in", "a out", "b in", "b out"]
