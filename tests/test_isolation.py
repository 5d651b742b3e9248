"""The test session never reaches a developer's own running `brandbot serve`."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from analyzers.local_review import socket_path


def test_the_local_review_socket_is_the_sessions_own() -> None:
    path = socket_path()
    assert path is not None
    temp = Path(tempfile.gettempdir()).resolve()
    assert path.resolve().is_relative_to(temp), path
    assert path.name == "review.sock" and path.parent.parent.name.startswith("brandbot-test-run-")
    assert not path.resolve().is_relative_to((Path.home() / ".cache").resolve())
    # subprocesses (`brandbot review`, `brandbot serve` in the CLI and serve tests) inherit it
    out = subprocess.run(
        [sys.executable, "-c", "from analyzers.local_review import socket_path as s; print(s())"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
        timeout=60,
    )
    assert out.stdout.strip() == str(path)
    # with the variable unset the fallback is the session's runtime folder, not ~/.cache
    env = {k: v for k, v in os.environ.items() if k != "BRANDBOT_LOCAL_SOCKET"}
    saved = os.environ.pop("BRANDBOT_LOCAL_SOCKET")
    try:
        assert socket_path() == path
    finally:
        os.environ["BRANDBOT_LOCAL_SOCKET"] = saved
    assert env.get("XDG_RUNTIME_DIR") == str(path.parent.parent)
