"""The database: one SQLAlchemy Core engine over SQLite (embedded default) or PostgreSQL.

``open_database(target)`` takes a SQLite file path, ``:memory:``, a ``sqlite:///`` URL or a
PostgreSQL URL (``postgresql://``, ``postgres://`` or ``postgresql+psycopg://``; the driver is
always psycopg 3), applies the migrations under a lock (:mod:`bot.storage.migrate`) and returns a
:class:`Database`.

Two ways to talk to it:

* :meth:`Database.auto` — a connection in autocommit mode: every statement commits on its own.
  Most calls are one statement (``INSERT ... ON CONFLICT DO NOTHING``, one ``UPDATE``), so this is
  one round trip and no transaction bookkeeping.
* :meth:`Database.transaction` — several statements that commit together. On SQLite the
  transaction starts with ``BEGIN IMMEDIATE``: it takes the write lock at once, so SQLite has a
  single writer and a reader never has to upgrade (no ``database is locked`` half way through).

Calls are synchronous and short. SQLite runs in WAL mode with a 10 s busy timeout, so several
processes may share a file on one machine; several machines share PostgreSQL.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, Engine, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

log = logging.getLogger(__name__)

Dialect = Literal["sqlite", "postgresql"]
BUSY_TIMEOUT_S = 10.0  # SQLite: how long a statement waits for another connection's lock

_PG_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")


class DatabaseError(RuntimeError):
    """The database cannot be used (bad URL, unreachable server); the message says which."""


def is_postgres_url(value: str) -> bool:
    return value.startswith(_PG_SCHEMES)


def sqlalchemy_url(target: str | Path) -> str:
    """A path, ``:memory:`` or URL -> the SQLAlchemy URL (psycopg 3 for PostgreSQL)."""
    value = str(target)
    if is_postgres_url(value):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    if value.startswith("sqlite:"):
        return value
    if value == ":memory:":
        return "sqlite://"
    return "sqlite:///" + str(Path(value).expanduser())


def is_database_outage(exc: BaseException) -> bool:
    """A failure that may pass: the database unreachable, restarting, or busy (not a bug in a
    statement). Jobs retry these; a delivery that hits one is not acknowledged."""
    from sqlalchemy import exc as sa_exc

    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError):
        return True
    return isinstance(exc, sa_exc.DBAPIError) and bool(exc.connection_invalidated)


def redact_url(url: str) -> str:
    """The URL without its password (for logs and /readyz)."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def open_error(target: str, exc: BaseException) -> str:
    """One line for a database that cannot be opened (``serve`` and ``history export`` alike):
    the URL without its password, the driver's reason without SQLAlchemy's "Background on this
    error" link, and what to check."""
    reason = str(getattr(exc, "orig", None) or exc)
    reason = re.sub(r"\(Background on this error at:[^)]*\)", "", reason)
    reason = " ".join(reason.split())[:300].rstrip(" .:;") or type(exc).__name__
    end = "" if reason.endswith(("?", "!")) else "."
    return (
        f"cannot open the database {redact_url(target)}: {reason}{end} Check "
        "BRANDBOT_DATABASE_URL (or BRANDBOT_DB_PATH) and that the server is up"
    )


class Database:
    """An engine plus the two connection styles above; ``dialect`` is sqlite or postgresql."""

    def __init__(self, url: str, *, pool_size: int = 8) -> None:
        self.url = sqlalchemy_url(url)
        parsed = make_url(self.url)
        self.dialect: Dialect = (
            "postgresql" if parsed.get_backend_name() == "postgresql" else "sqlite"
        )
        self.path: str | None = parsed.database if self.dialect == "sqlite" else None
        self.engine = self._engine(pool_size)
        # PostgreSQL: autocommit connections come from a pool of their own, so a connection
        # never switches mode at checkout and return (that switch costs a round trip or two)
        self._auto_engine = (
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.dialect == "sqlite"
            else self._engine(pool_size, isolation_level="AUTOCOMMIT")
        )

    def _engine(self, pool_size: int, **options: Any) -> Engine:
        if self.dialect == "postgresql":
            return create_engine(
                self.url,
                **options,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=True,
                pool_recycle=1800,
                connect_args={"connect_timeout": 10, "application_name": "brandbot"},
            )
        memory = not self.path or self.path == ":memory:"
        if not memory:
            Path(str(self.path)).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            self.url,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_S},
            **({"poolclass": StaticPool} if memory else {"pool_size": pool_size}),
        )

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn: Any, _record: Any) -> None:
            # pysqlite's own implicit BEGIN is off; SQLAlchemy's "begin" below issues ours
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            if not memory:
                _use_wal(cur)
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
                return
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @property
    def display_url(self) -> str:
        return redact_url(self.url)

    @contextmanager
    def auto(self) -> Iterator[Connection]:
        """A connection whose every statement commits on its own."""
        with self._auto_engine.connect() as conn:
            yield conn

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """Statements that commit together (rolled back on an exception)."""
        with self.engine.begin() as conn:
            yield conn

    def insert(self, table: Table) -> Any:
        """This dialect's ``INSERT`` (it has ``on_conflict_do_nothing`` / ``_do_update``)."""
        if self.is_postgres:
            return postgresql.insert(table)
        return sqlite.insert(table)

    def ping(self) -> None:
        """One ``SELECT 1``; raises when the database cannot answer."""
        with self.auto() as conn:
            conn.execute(text("SELECT 1"))

    def close(self) -> None:
        self.engine.dispose()
        self._auto_engine.dispose()


def _use_wal(cur: sqlite3.Cursor) -> None:
    """Put the file in WAL mode (it stays so). SQLite does not wait for the busy timeout here: a
    switch while another connection holds a lock (replicas starting together on a new file, a
    writer on a file in the old journal mode) fails at once with ``database is locked``. So it
    is retried, with backoff, for as long as a statement would wait."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    pause = 0.01
    while True:
        try:
            if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + pause > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.25)


def open_database(target: str | Path, *, migrate: bool = True, pool_size: int = 8) -> Database:
    """Open ``target`` (see the module docstring) and bring its schema up to date."""
    db = Database(str(target), pool_size=pool_size)
    if migrate:
        from bot.storage.migrate import upgrade

        try:
            upgrade(db)
        except Exception:
            db.close()
            raise
    return db
