"""The real ``brandbot serve`` entry point (``python -m bot.cli serve``, a subprocess) against
the local Slack.

Start-up in Socket Mode and HTTP mode, a slash command and a channel draft answered, SIGTERM shuts
down cleanly (exit 0, no traceback) with unfinished drafts left in the journal and resumed by the
next start; settings and start-up errors exit 2 with a clear message and no traceback.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import bot_scenarios as sc
import pytest
import pytest_asyncio
from botkit import BAD, free_port
from fakeslack.fixtures import fake_slack  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]


class ServeProcess:
    """``python -m bot.cli serve`` (= ``brandbot serve``) in a subprocess, in ``cwd`` (its .env)."""

    def __init__(self, cwd: Path, env: Mapping[str, str], *args: str) -> None:
        self.cwd = cwd
        self.env = env
        self.args = args
        self.proc: asyncio.subprocess.Process | None = None
        self.stderr = ""

    async def start(self) -> ServeProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BRANDBOT_"))}
        env.update(self.env)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",  # the `brandbot` console script's main()
            *self.args,
            cwd=self.cwd,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        return self

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        return await self.wait(timeout)

    async def wait(self, timeout: float = 30) -> int:
        assert self.proc is not None
        try:
            out, err = await asyncio.wait_for(self.proc.communicate(), timeout)
        except TimeoutError:
            self.proc.kill()
            out, err = await self.proc.communicate()
            raise AssertionError(f"serve did not exit:\n{err.decode(errors='replace')}") from None
        self.stderr = err.decode(errors="replace") + out.decode(errors="replace")
        assert self.proc.returncode is not None
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()


def serve_env(fake: Any, tmp: Path, mode: str, **over: str) -> dict[str, str]:
    env = {
        "SLACK_BOT_TOKEN": fake.bot_token,
        "SLACK_APP_TOKEN": fake.app_token,
        "SLACK_SIGNING_SECRET": fake.signing_secret,
        "BRANDBOT_SLACK_API_URL": fake.base_url,
        "BRANDBOT_MODE": mode,
        "HOST": "127.0.0.1",
        "PORT": str(free_port()),
        "BRANDBOT_WATCHED_CHANNELS": "#drafts",
        "BRANDBOT_MIN_WORDS": "5",
        "BRANDBOT_DB_PATH": str(tmp / "brandbot.sqlite3"),
        "BRANDBOT_MODELS": "none",
        "BRANDBOT_LOG_LEVEL": "INFO",
        "BRANDBOT_LOCAL_SOCKET": str(tmp / "review.sock"),  # never the user's own
    }
    env.update(over)
    return env


async def wait_ready(port: int, proc: ServeProcess, timeout: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    async with aiohttp.ClientSession() as s:
        while True:
            assert proc.proc is not None
            if proc.proc.returncode is not None:
                await proc.wait()
                raise AssertionError(f"serve exited early:\n{proc.stderr}")
            try:
                async with s.get(f"http://127.0.0.1:{port}/readyz") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("brandbot serve never became ready")
            await asyncio.sleep(0.1)


def journal(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall()
    return {str(r[0]): int(r[1]) for r in rows}


@pytest_asyncio.fixture
async def procs() -> AsyncIterator[list[ServeProcess]]:
    started: list[ServeProcess] = []
    yield started
    for p in started:
        p.kill()


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_serve_answers_then_stops_cleanly(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
    procs: list[ServeProcess],
    mode: str,
) -> None:
    fake = fake_slack
    fake.add_channel(sc.DRAFTS, "drafts")  # watched by name in the settings
    env = serve_env(fake, tmp_path, mode, BRANDBOT_WORKERS="1")
    port = int(env["PORT"])
    proc = await ServeProcess(tmp_path, env, "serve").start()
    procs.append(proc)
    await wait_ready(port, proc)
    if mode == "socket":
        await fake.wait_for_socket(timeout=10)
    else:
        fake.use_http(f"http://127.0.0.1:{port}/slack/events", fake.signing_secret)

    # a slash command: acknowledged, the review arrives privately through response_url
    d = await sc.acked(await fake.send_command(BAD, channel=sc.GENERAL))
    await fake.wait_for_response_posts(1, timeout=10)
    [post] = fake.responses_for(d.response_url)
    assert post.response_type == "ephemeral" and "“synergy”" in sc.all_text(post.body)
    # a draft in a watched channel: one reply in its thread
    ev = fake.post_as_user(sc.DRAFTS, BAD)
    await sc.acked(await fake.send_event(ev))
    [reply] = await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"], timeout=10)
    assert "“synergy”" in sc.all_text(reply)

    # SIGTERM while drafts are queued behind a slow Slack: the one in progress finishes, the
    # rest stay journalled; exit 0 and no traceback
    fake.slow("chat.postMessage", 1.0)
    burst = [fake.post_as_user(sc.DRAFTS, f"{BAD} Draft {i}.") for i in range(4)]
    for ev in burst:
        await sc.acked(await fake.send_event(ev))
    await fake.wait_for(lambda: journal(tmp_path / "brandbot.sqlite3").get("running"), timeout=10)
    code = await proc.stop(signal.SIGTERM)
    assert code == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "shutting down" in proc.stderr
    # the start-up lines docs/slack-setup.md quotes, in its order
    started = "Socket Mode connected; health on port" if mode == "socket" else "HTTP mode: POST"
    order = [
        proc.stderr.index(line)
        for line in ("brandbot ready as U", started, "local review endpoint on ")
    ]
    assert order == sorted(order), proc.stderr
    setup = (Path(__file__).resolve().parents[1] / "docs" / "slack-setup.md").read_text()
    assert "`Socket Mode connected; health\non port 3000`" in setup
    assert "last the local review endpoint: `local review endpoint on" in setup
    fake.clear_faults()
    replied = [ev for ev in burst if fake.thread_replies(sc.DRAFTS, ev["ts"])]
    left = journal(tmp_path / "brandbot.sqlite3")
    assert left.get("queued", 0) + left.get("running", 0) >= 1, left
    assert len(replied) < len(burst)

    if mode == "socket":
        # the next start resumes them: every draft gets exactly one reply
        proc2 = await ServeProcess(tmp_path, env, "serve").start()
        procs.append(proc2)
        await wait_ready(port, proc2)
        for ev in burst:
            await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"], timeout=15)
        await fake.wait_for(
            lambda: not {"queued", "running"} & set(journal(tmp_path / "brandbot.sqlite3")),
            timeout=10,
        )
        assert await proc2.stop() == 0, proc2.stderr
        assert "Traceback" not in proc2.stderr
        assert "resumed" in proc2.stderr
        for ev in burst:
            assert len(fake.thread_replies(sc.DRAFTS, ev["ts"])) == 1


async def test_invalid_settings_exit_2_without_traceback(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BRANDBOT_MIN_WORDS=many\nBRANDBOT_ALERT_CHANNEL=#alerts\n")
    proc = await ServeProcess(tmp_path, {"BRANDBOT_MODE": "socket"}, "serve").start()
    code = await proc.wait()
    assert code == 2
    err = proc.stderr
    assert "Traceback" not in err
    assert "SLACK_BOT_TOKEN is missing" in err
    assert "SLACK_APP_TOKEN is missing" in err
    assert "BRANDBOT_MIN_WORDS='many' is not a whole number" in err
    assert "BRANDBOT_ALERT_CHANNEL='#alerts' must be a channel id" in err
    assert "4 problems" in err


async def test_rejected_token_exits_2_without_traceback(fake_slack: Any, tmp_path: Path) -> None:  # noqa: F811
    fake = fake_slack
    fake.check_violations_on_exit = False  # the wrong token is the point
    env = serve_env(fake, tmp_path, "socket", SLACK_BOT_TOKEN="xoxb-revoked")
    proc = await ServeProcess(tmp_path, env, "serve").start()
    code = await proc.wait()
    assert code == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "Slack rejected the bot token (auth.test: invalid_auth)" in proc.stderr
    assert "xoxb-revoked" not in proc.stderr
    # only our line: bolt's "As you gave `client` as well, `token` will be unused." is not
    # shown (the token is in the environment, where bolt looks too)
    assert "will be unused" not in proc.stderr and "WARNING bot.bolt" not in proc.stderr


async def test_invalid_guide_exits_2_without_traceback(tmp_path: Path) -> None:
    guide = tmp_path / "guide.yaml"
    guide.write_text("name: [unclosed\n")
    env = {
        "SLACK_BOT_TOKEN": "xoxb-x",
        "SLACK_APP_TOKEN": "xapp-x",
        "BRANDBOT_GUIDE": str(guide),
        "BRANDBOT_MODELS": "none",
    }
    proc = await ServeProcess(tmp_path, env, "serve").start()
    code = await proc.wait()
    assert code == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "the brand guide is invalid" in proc.stderr and "guide.yaml" in proc.stderr


@pytest.mark.models
async def test_serve_with_the_embedded_models_on_the_inference_engine(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
    procs: list[ServeProcess],
) -> None:
    """The default start: models on the engine, warm before /readyz; reviews carry the model
    analyses (tone, sentiment, entities) as well as the rules."""
    fake = fake_slack
    env = serve_env(fake, tmp_path, "socket", BRANDBOT_MODELS="auto", BRANDBOT_PRECISION="int8")
    proc = await ServeProcess(tmp_path, env, "serve").start()
    procs.append(proc)
    await wait_ready(int(env["PORT"]), proc, timeout=90)
    await fake.wait_for_socket(timeout=10)
    d = await sc.acked(await fake.send_command(BAD, channel=sc.GENERAL))
    await fake.wait_for_response_posts(1, timeout=30)
    [post] = fake.responses_for(d.response_url)
    text = sc.all_text(post.body)
    assert "“synergy”" in text
    assert "*Tone*" in text and "*Sentiment*" in text
    assert await proc.stop() == 0, proc.stderr
    assert "models warm on the inference engine" in proc.stderr
    assert "Traceback" not in proc.stderr
