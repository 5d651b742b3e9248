"""A throw-away PostgreSQL for the tests: one cluster per test session, one database per test.

Where the server comes from, in order:

1. ``BRANDBOT_TEST_DATABASE_URL`` — an existing server the tests may create databases on;
2. ``pgserver`` (a PyPI package that bundles PostgreSQL's binaries; a dev dependency, so the
   README's test command has it): ``initdb`` + ``pg_ctl start`` in a temp folder, unix socket
   only, stopped at the end of the session;
3. ``initdb`` / ``pg_ctl`` on PATH (not as root: PostgreSQL refuses to run as root).

When none is available the PostgreSQL variants of the tests skip, saying why.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

_names = itertools.count(1)


class Unavailable(RuntimeError):
    pass


@contextlib.contextmanager
def postgres_server(folder: Path) -> Iterator[str]:
    """Yields the URL of a running server's ``postgres`` database (see the module docstring)."""
    url = os.environ.get("BRANDBOT_TEST_DATABASE_URL")
    if url:
        yield url
        return
    try:
        import pgserver
    except ImportError:
        pgserver = None
    if pgserver is not None:
        data = folder / "pgdata"
        server = pgserver.get_server(str(data), cleanup_mode="stop")
        try:
            yield str(server.get_uri())
        finally:
            server.cleanup()
        return
    with _path_server(folder) as url:
        yield url


@contextlib.contextmanager
def _path_server(folder: Path) -> Iterator[str]:
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not (initdb and pg_ctl):
        raise Unavailable("no PostgreSQL: install pgserver (pip) or put initdb/pg_ctl on PATH")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        raise Unavailable("initdb/pg_ctl on PATH refuse to run as root; install pgserver")
    data, sock = folder / "pgdata", Path(tempfile.mkdtemp(prefix="pg"))
    subprocess.run(
        [initdb, "-D", str(data), "-U", "postgres", "-A", "trust"], check=True, capture_output=True
    )
    opts = f"-c listen_addresses='' -k {sock}"
    subprocess.run(
        [pg_ctl, "-D", str(data), "-o", opts, "-w", "start", "-l", str(folder / "pg.log")],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://postgres@/postgres?host={sock}"
    finally:
        subprocess.run([pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)


def fresh_database(server_url: str) -> tuple[str, Callable[[], None]]:
    """A new empty database on the server: its URL and a function that drops it."""
    name = f"bbtest_{os.getpid()}_{next(_names)}"
    admin_url = make_url("postgresql+psycopg://" + server_url.split("://", 1)[1])
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop
