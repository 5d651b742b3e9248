"""`brandbot ... | head`: a reader that leaves early ends every subcommand quietly (no
BrokenPipeError traceback), as `brandbot review` always did."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from test_storage_history import entry

from bot.cli import BROKEN_PIPE_EXIT
from bot.storage import open_database
from bot.storage.history import ReviewHistory

ROOT = Path(__file__).resolve().parent.parent


def run_into_closed_pipe(
    args: list[str], cwd: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``brandbot ARGS`` with its stdout a pipe whose reader is already gone."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BRANDBOT_", "SLACK_"))}
    try:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            env={**clean, "PYTHONPATH": str(ROOT), **env},
            timeout=120,
        )
    finally:
        os.close(write_end)


def quiet(proc: subprocess.CompletedProcess[str]) -> None:
    for noise in ("Traceback", "BrokenPipeError", "Exception ignored"):
        assert noise not in proc.stderr, proc.stderr[-2000:]


def test_vale_into_a_closed_pipe(tmp_path: Path) -> None:
    style = tmp_path / "styles" / "Test"
    style.mkdir(parents=True)
    (style / "Very.yml").write_text(
        "extends: existence\nmessage: \"Avoid '%s'.\"\nlevel: warning\ntokens:\n  - very\n"
    )
    (tmp_path / ".vale.ini").write_text("StylesPath = styles\n[*]\nBasedOnStyles = Test\n")
    (tmp_path / "big.md").write_text("This is very very good.\n\n" * 5000)
    proc = run_into_closed_pipe(["vale", "big.md"], tmp_path)
    quiet(proc)
    assert proc.returncode == BROKEN_PIPE_EXIT


def test_history_export_into_a_closed_pipe(tmp_path: Path) -> None:
    db_path = tmp_path / "brandbot.sqlite3"
    db = open_database(str(db_path))
    history = ReviewHistory(db)
    now = time.time()
    for i in range(2000):
        history.record(entry(f"k{i}", at=now - 3600 - i))
    db.close()
    for fmt in ("csv", "jsonl"):
        proc = run_into_closed_pipe(
            ["history", "export", "--since", "30d", "--format", fmt],
            tmp_path,
            BRANDBOT_DB_PATH=str(db_path),
        )
        quiet(proc)
        assert proc.returncode == BROKEN_PIPE_EXIT, (fmt, proc.stderr[-500:])
