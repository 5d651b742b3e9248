"""`brandbot serve` (a real subprocess) on a hostile network: Slack unreachable at start, a
rejected token, and a Slack that never answers the websocket close on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import stat
from pathlib import Path
from typing import Any

from botkit import free_port
from fakeslack.fixtures import fake_slack  # noqa: F401
from test_bot_serve import ServeProcess, serve_env, wait_ready


async def _stderr_lines_until(proc: ServeProcess, needle: str, count: int) -> list[str]:
    assert proc.proc is not None and proc.proc.stderr is not None
    lines: list[str] = []
    while sum(needle in line for line in lines) < count:
        raw = await asyncio.wait_for(proc.proc.stderr.readline(), 30)
        if not raw:
            break
        lines.append(raw.decode(errors="replace"))
    return lines


async def test_slack_unreachable_at_start_is_retried_with_one_line_each(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    dead = f"http://127.0.0.1:{free_port()}/api/"  # nothing listens there
    env = serve_env(fake_slack, tmp_path, "socket", BRANDBOT_SLACK_API_URL=dead)
    proc = await ServeProcess(tmp_path, env, "serve").start()
    try:
        lines = await _stderr_lines_until(proc, "Slack unreachable", 2)
        retries = [line for line in lines if "Slack unreachable" in line]
        assert len(retries) == 2, "".join(lines)
        assert dead in retries[0] and "retrying in 1s (attempt 1)" in retries[0]
        assert "retrying in 2s (attempt 2)" in retries[1]  # backoff
        assert not any("Traceback" in line for line in lines)
        code = await proc.stop(signal.SIGTERM, timeout=10)  # SIGTERM while retrying: clean exit
    finally:
        proc.kill()
    assert code == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "Unclosed" not in proc.stderr


async def test_rejected_token_is_one_line_without_unclosed_session_noise(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    fake.check_violations_on_exit = False  # the wrong token is the point
    env = serve_env(fake, tmp_path, "socket", SLACK_BOT_TOKEN="xoxb-revoked")
    proc = await ServeProcess(tmp_path, env, "serve").start()
    assert await proc.wait() == 2
    assert "Unclosed client session" not in proc.stderr, proc.stderr
    assert "Unclosed connector" not in proc.stderr, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("brandbot:")]
    assert errors == [
        "brandbot: Slack rejected the bot token (auth.test: invalid_auth); check SLACK_BOT_TOKEN"
    ]


async def test_sigterm_in_socket_mode_does_not_wait_for_slack_to_close_the_socket(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    fake.ignore_socket_close = True  # aiohttp would wait 10 s for the close frame's answer
    env = serve_env(fake, tmp_path, "socket")
    proc = await ServeProcess(tmp_path, env, "serve").start()
    try:
        await wait_ready(int(env["PORT"]), proc)
        await fake.wait_for_socket(timeout=10)
        # the local review endpoint for `brandbot review`: a unix socket for this user only,
        # opened just after Socket Mode connects (so it may lag the fake's view by a moment)
        sock = Path(env["BRANDBOT_LOCAL_SOCKET"])
        for _ in range(100):
            if sock.exists():
                break
            await asyncio.sleep(0.05)
        assert stat.S_ISSOCK(sock.stat().st_mode) and stat.S_IMODE(sock.stat().st_mode) == 0o600
        # Docker sends SIGKILL 10 s after SIGTERM: the bot must be gone well before
        code = await proc.stop(signal.SIGTERM, timeout=8)
    finally:
        proc.kill()
    assert code == 0, proc.stderr
    assert fake.counters["socket_close_ignored"] == 1
    assert "dropping it" in proc.stderr and "stopped in" in proc.stderr
    assert not sock.exists()
    assert "Traceback" not in proc.stderr
