"""Acknowledgement under load: the real bot, the local Slack of the tests, a 50-draft burst.

    python bench/ack.py                       # engine (int8) service, then the bot's default
    python bench/ack.py --modes engine --drafts 50 --interval 0.05

50 drafts are posted at once in a watched channel (Socket Mode envelopes, all sent together);
while they are reviewed, slash commands keep arriving (``/brandcheck help`` and
``/brandcheck <short draft>``, alternately, every ``--interval`` seconds) until every draft has
its reply in its thread. Reports the time from sending each envelope to its ack (p50/p95/p99/max,
events and commands apart) and the time until the last review was posted.

Modes: ``engine`` — ``analyzers.serving.EngineReviewService`` (int8, batched, cached);
``executor`` — the bot's default ``ExecutorReviewService`` over a ``Reviewer`` that calls the
fp32 predictor directly (the baseline).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, machine_info, make_drafts, percentile

sys.path.insert(0, str(ROOT / "tests"))


class Counting:
    """Wraps a review service and counts the burst's drafts as their reviews finish."""

    def __init__(self, inner: Any, texts: set[str]) -> None:
        self.inner = inner
        self.texts = texts
        self.done = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    @property
    def ready(self) -> bool:
        return bool(self.inner.ready)

    async def review(self, drafts: Any, profile: str | None = None) -> Any:
        reviews = await self.inner.review(drafts, profile)
        self.done += sum(1 for d in drafts if d.text.strip() in self.texts)
        return reviews

    async def aclose(self) -> None:
        await self.inner.aclose()


def stats(values: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(max(ms), 1) if ms else float("nan"),
    }


async def run_mode(mode: str, n_drafts: int, interval: float, seed: int) -> dict[str, Any]:
    from botkit import settings_for
    from fakeslack import FakeSlack

    from analyzers.guide import default_guide_path, load_guide
    from analyzers.reviewer import Reviewer
    from bot.app import build_bot
    from bot.jobs import ExecutorReviewService
    from bot.runners import SocketModeRunner

    guide = load_guide(default_guide_path())
    t0 = time.perf_counter()
    if mode == "engine":
        from analyzers.serving import EngineReviewService, load_engine

        engine = load_engine(precision="int8")
        service: Any = EngineReviewService(guide, engine)
        await service.until_ready()
        reviewer: Any = service.reviewer
    else:
        from analyzers.models.predictor import load_embedded_predictor
        from analyzers.models.suite import EmbeddedModelSuite

        reviewer = Reviewer(guide, EmbeddedModelSuite(load_embedded_predictor(quantize=False)))
        service = ExecutorReviewService(reviewer, threads=1)
    load_s = time.perf_counter() - t0

    drafts = make_drafts(n_drafts, seed=seed, min_words=40, max_words=300)
    counting = Counting(service, {d.strip() for d in drafts})
    out: dict[str, Any] = {"mode": mode, "drafts": n_drafts, "load_s": round(load_s, 2)}
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeSlack() as fake:
            fake.check_violations_on_exit = False
            settings = settings_for(
                fake,
                Path(tmp) / "bench.sqlite3",
                BRANDBOT_MODE="socket",
                BRANDBOT_MIN_WORDS="5",
                BRANDBOT_QUEUE_SIZE=str(max(200, 4 * n_drafts)),
            )
            bot = build_bot(settings, reviewer, service=counting)
            await bot.start()
            runner = SocketModeRunner(bot, fake.app_token)
            await runner.connect()
            await fake.wait_for_socket()
            # warm the path once (first message, first command)
            warm = fake.post_as_user("C0DRAFTS", "A short warm-up draft about our calm product.")
            await (await fake.send_event(warm)).wait_acked()
            await fake.wait_for_messages("C0DRAFTS", 1, thread_ts=warm["ts"], timeout=120)
            await (await fake.send_command("help")).wait_acked()

            events = [fake.post_as_user("C0DRAFTS", d) for d in drafts]
            start = time.perf_counter()
            burst = await asyncio.gather(*(fake.send_event(e) for e in events))
            commands = []
            i = 0

            def replied() -> int:
                return sum(1 for e in events if fake.thread_replies("C0DRAFTS", e["ts"]))

            while replied() < len(events):
                text = "help" if i % 2 == 0 else f"Our product {i} is calm and clear for teams."
                commands.append(await fake.send_command(text))
                i += 1
                await asyncio.sleep(interval)
                if time.perf_counter() - start > 900:
                    raise SystemExit(f"{mode}: the burst did not finish in 900 s")
            done_s = time.perf_counter() - start
            for d in [*burst, *commands]:
                await d.wait_acked(timeout=30)
            event_acks = [d.ack_latency for d in burst]
            command_acks = [d.ack_latency for d in commands]
            out.update(
                burst_done_s=round(done_s, 2),
                events=stats(event_acks),
                commands=stats(command_acks),
                all=stats(event_acks + command_acks),
                over_3s=sum(1 for v in event_acks + command_acks if v > 3.0),
                violations=len(fake.violations),
            )
            await runner.close()
            await bot.stop(grace_s=5)
    if mode == "engine":
        await service.aclose()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--drafts", type=int, default=50)
    ap.add_argument("--interval", type=float, default=0.05, help="seconds between commands")
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--modes", default="engine,executor")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    report: dict[str, Any] = {"machine": machine_info(), "command": " ".join(sys.argv)}
    results = {}
    for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
        if mode not in ("engine", "executor"):
            ap.error(f"unknown mode {mode!r}")
        results[mode] = asyncio.run(run_mode(mode, args.drafts, args.interval, args.seed))
        print(mode, json.dumps(results[mode]), flush=True)
    report["results"] = results
    print(json.dumps(report, indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
