"""The database goes away while the bot runs (PostgreSQL refusing connections): /readyz says so,
a delivery that cannot be journalled is not acknowledged (Slack retries it), and once the
database is back the retried delivery gets its one reply."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import aiohttp
import bot_scenarios as sc
from botkit import BAD, running
from fakeslack.fixtures import fake_slack  # noqa: F401
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def _allow(url: str, allowed: bool) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text(f'ALTER DATABASE "{target.database}" ALLOW_CONNECTIONS {str(allowed).lower()}')
        )
        if not allowed:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :d AND pid <> pg_backend_pid()"
                ),
                {"d": target.database},
            )
    admin.dispose()


async def test_no_ack_while_the_database_is_down_then_one_reply(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
    postgres_url: str,
) -> None:
    from botkit import real_reviewer

    fake = fake_slack
    async with running(
        fake, tmp_path, "http", real_reviewer(), BRANDBOT_DATABASE_URL=postgres_url
    ) as h:
        _allow(postgres_url, False)
        try:
            async with aiohttp.ClientSession() as s, s.get(h.url + "/readyz") as r:
                body = await r.json()
            assert r.status == 503 and body["database"]["ok"] is False
            ev = fake.post_as_user(sc.DRAFTS, BAD)
            d = await fake.send_event(ev)
            await d.wait_done(timeout=10)
            assert d.status == 503  # not acknowledged: Slack will retry
        finally:
            _allow(postgres_url, True)
        retry = await fake.redeliver(d)
        await sc.acked(retry)
        await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"], timeout=10)
        await h.idle(10)
        assert len(fake.thread_replies(sc.DRAFTS, ev["ts"])) == 1
        async with aiohttp.ClientSession() as s, s.get(h.url + "/readyz") as r:
            assert r.status == 200


async def test_serve_with_an_unreachable_database_exits_2_with_the_reason(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    import socket

    from test_bot_serve import ServeProcess, serve_env

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    env = serve_env(
        fake_slack,
        tmp_path,
        "http",
        BRANDBOT_DATABASE_URL=f"postgresql://brandbot:hunter2secret@127.0.0.1:{closed}/brandbot",
    )
    proc = await ServeProcess(tmp_path, env, "serve").start()
    code = await proc.wait(60)
    assert code == 2, proc.stderr
    assert "cannot open the database postgresql://brandbot:***@127.0.0.1" in proc.stderr
    assert "hunter2secret" not in proc.stderr and "Traceback" not in proc.stderr
    assert "alembic" not in proc.stderr  # its chatter stays quiet
    assert "?." not in proc.stderr and "sqlalche.me" not in proc.stderr
    assert "Check BRANDBOT_DATABASE_URL" in proc.stderr
    serve_line = next(ln for ln in proc.stderr.splitlines() if "cannot open the database" in ln)

    # history export says the same, exits 2 the same way
    import subprocess
    import sys

    export = subprocess.run(
        [sys.executable, "-m", "bot.cli", "history", "export", "--since", "1d"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, **env, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
        timeout=60,
    )
    assert export.returncode == 2, export.stderr
    [line] = export.stderr.splitlines()
    assert line.startswith("brandbot history export: cannot open the database postgresql://")
    assert line.split(": ", 1)[1] == serve_line.split(": ", 1)[1]
    assert "hunter2secret" not in line and "sqlalche.me" not in line and "?." not in line


def test_the_database_open_error_line() -> None:
    from sqlalchemy.exc import OperationalError

    from bot.storage.database import open_error

    exc = OperationalError(
        "SELECT 1",
        {},
        Exception(
            "connection refused\n\tIs the server running on that host and accepting"
            " TCP/IP connections?"
        ),
    )
    line = open_error("postgresql://u:pw@db:5432/brandbot", exc)
    assert line == (
        "cannot open the database postgresql://u:***@db:5432/brandbot: connection refused Is "
        "the server running on that host and accepting TCP/IP connections? Check "
        "BRANDBOT_DATABASE_URL (or BRANDBOT_DB_PATH) and that the server is up"
    )
    assert "sqlalche.me" in str(exc)  # what SQLAlchemy itself would have printed
    plain = open_error("/data/x.sqlite3", OSError("disk I/O error."))
    assert plain.endswith(
        "x.sqlite3: disk I/O error. Check BRANDBOT_DATABASE_URL (or "
        "BRANDBOT_DB_PATH) and that the server is up"
    )
