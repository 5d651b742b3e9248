"""Shared fixtures. Nothing here may touch the network: the Hub is forced offline."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import atexit
import shutil
import tempfile
from pathlib import Path

import pytest

from analyzers.paths import shared_dir

# No test may talk to the developer's own `brandbot serve` (its warm models, its guide): the
# local review endpoint of this session lives in a private temp folder, set before anything
# reads it and inherited by every subprocess (`brandbot review`, `brandbot serve`). Overridden,
# not defaulted: a developer's own BRANDBOT_LOCAL_SOCKET points at their bot.
_SESSION_RUNTIME = Path(tempfile.mkdtemp(prefix="brandbot-test-run-"))
atexit.register(shutil.rmtree, _SESSION_RUNTIME, True)
SESSION_SOCKET = _SESSION_RUNTIME / "brandbot" / "review.sock"
os.environ["BRANDBOT_LOCAL_SOCKET"] = str(SESSION_SOCKET)
os.environ["XDG_RUNTIME_DIR"] = str(_SESSION_RUNTIME)  # the fallback, should a test unset it


@pytest.fixture(scope="session")
def shared() -> Path:
    """The ../shared folder (or $BRANDBOT_SHARED); skips the test with a reason when absent."""
    path = shared_dir()
    if not path.is_dir():
        pytest.skip(f"shared material not found at {path} (set BRANDBOT_SHARED to its location)")
    return path


# -- databases: the store tests run on SQLite and on a real PostgreSQL (tests/pgkit.py) --------


@pytest.fixture(scope="session")
def postgres_server() -> object:
    """The URL of the session's PostgreSQL server; skips with the reason when there is none."""
    import shutil
    import tempfile

    from tests.pgkit import Unavailable, postgres_server

    # not under pytest's tmp folder: that is 0700, and as root the server runs as another user
    folder = Path(tempfile.mkdtemp(prefix="brandbot-pg-"))
    folder.chmod(0o755)
    try:
        with postgres_server(folder) as url:
            yield url
    except Unavailable as exc:
        pytest.skip(str(exc))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> object:
    """A fresh, empty PostgreSQL database for one test (dropped afterwards)."""
    from tests.pgkit import fresh_database

    url, drop = fresh_database(postgres_server)
    yield url
    drop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on an SQLite file and on a PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "brandbot.sqlite3")
    return str(request.getfixturevalue("postgres_url"))
