"""Three real ``brandbot serve`` processes (HTTP mode, rules only) sharing one PostgreSQL,
against the local Slack; one is killed with SIGKILL while it holds jobs. Every draft still gets
exactly one reply, and the history holds every review once."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path
from typing import Any

import bot_scenarios as sc
from botkit import BAD, wait_until
from fakeslack import payloads
from fakeslack.fixtures import fake_slack  # noqa: F401
from sqlalchemy import text
from test_bot_serve import ServeProcess, serve_env, wait_ready

from bot.storage.history import ReviewHistory
from bot.store import Store


async def test_sigkill_one_of_three_serve_processes(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
    postgres_url: str,
) -> None:
    fake = fake_slack
    fake.add_channel(sc.DRAFTS, "drafts")
    procs: list[ServeProcess] = []
    ports: list[int] = []
    for i in range(3):
        env = serve_env(
            fake,
            tmp_path,
            "http",
            BRANDBOT_DATABASE_URL=postgres_url,
            BRANDBOT_REPLICA_ID=f"r{i}",
            BRANDBOT_JOB_LEASE="2",
            BRANDBOT_WORKERS="2",
            BRANDBOT_LOCAL_SOCKET="off",
        )
        ports.append(int(env["PORT"]))
        procs.append(ServeProcess(tmp_path, env, "serve"))
    store = Store(postgres_url, owner="test")
    try:
        await asyncio.gather(*(p.start() for p in procs))
        await asyncio.gather(
            *(wait_ready(port, p, timeout=90) for port, p in zip(ports, procs, strict=True))
        )
        urls = [f"http://127.0.0.1:{port}/slack/events" for port in ports]
        fake.slow("chat.postMessage", 0.4)  # replies take a while: jobs are in flight

        async def post(url: str, body: bytes, retry: int | None = None) -> int:
            r = await fake.http_post(
                url, body, "application/json", signing_secret=fake.signing_secret, retry_num=retry
            )
            return int(r.status)

        drafts = []
        bodies = []
        for i in range(30):
            ev = fake.post_as_user(sc.DRAFTS, f"{BAD} Draft {i} for the replicas.")
            drafts.append(ev)
            bodies.append(
                json.dumps(
                    payloads.event_callback(ev, team_id=fake.team_id, api_app_id=fake.api_app_id)
                ).encode()
            )
        # first half to all three (a duplicate of every third to another replica at once)
        sends = []
        for i in range(15):
            sends.append(post(urls[i % 3], bodies[i]))
            if i % 3 == 0:
                sends.append(post(urls[(i + 1) % 3], bodies[i]))
        assert set(await asyncio.gather(*sends)) == {200}

        def held_by_r2() -> int:
            with store.db.auto() as conn:
                return int(
                    conn.execute(
                        text("SELECT COUNT(*) FROM jobs WHERE owner = 'r2' AND state = 'running'")
                    ).scalar_one()
                )

        await wait_until(held_by_r2, timeout=20)
        procs[2].proc.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
        await procs[2].wait()
        # the rest to the survivors, and Slack's retries of the first half too
        sends = [post(urls[i % 2], bodies[i]) for i in range(15, 30)]
        sends += [post(urls[(i + 1) % 2], bodies[i], retry=1) for i in range(0, 15, 5)]
        assert set(await asyncio.gather(*sends)) == {200}

        def replied() -> int:
            return sum(1 for ev in drafts if fake.thread_replies(sc.DRAFTS, ev["ts"]))

        await wait_until(lambda: replied() == len(drafts), timeout=90)
        history = ReviewHistory(store.db)
        await wait_until(lambda: history.count() == len(drafts), timeout=30)
        await wait_until(lambda: not store.unfinished_jobs(), timeout=30)
        fake.clear_faults()
        await asyncio.sleep(1.0)
        counts = [len(fake.thread_replies(sc.DRAFTS, ev["ts"])) for ev in drafts]
        assert counts == [1] * len(drafts)
        assert sorted(e.draft_ts for e in history.iter()) == sorted(ev["ts"] for ev in drafts)
        with store.db.auto() as conn:
            taken = conn.execute(
                text("SELECT COUNT(*) FROM jobs WHERE attempts > 1 AND lane = 'review'")
            ).scalar_one()
        assert taken >= 1  # r2's jobs were run again elsewhere
        for p in procs[:2]:
            assert await p.stop() == 0, p.stderr
            assert "Traceback" not in p.stderr, p.stderr
    finally:
        for p in procs:
            p.kill()
        store.close()
