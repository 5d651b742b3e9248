"""What the docs say agrees with the code and the measured tables (fresh-clone walkthrough)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_deploy_doc_states_the_shutdown_grace_the_code_uses() -> None:
    from bot.serve_cmd import SHUTDOWN_GRACE_S

    deploy = (ROOT / "docs" / "deploy.md").read_text()
    row = next(line for line in deploy.splitlines() if "a replica is stopped (SIGTERM" in line)
    stated = re.findall(r"get (\d+(?:\.\d+)?) s to finish", row)
    assert stated == [f"{SHUTDOWN_GRACE_S:g}"], row


def _numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"\d+(?:\.\d+)?", text)]


def test_deploy_doc_database_costs_are_the_measured_ones() -> None:
    bench = (ROOT / "docs" / "benchmarks.md").read_text()
    start = bench.index("## The database: cost per job")
    end = bench.find("\n## ", start + 1)
    section = bench[start : end if end > 0 else len(bench)]  # up to the next section
    rows = [ln for ln in section.splitlines() if re.match(r"^\| (\d|cost only)", ln)]
    assert len(rows) == 3
    sqlite_med, pg_med, rates = [], [], []
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        sqlite_med.append(_numbers(cells[1])[0])
        pg_med.append(_numbers(cells[2])[0])
        rates += _numbers(cells[3])
    assert "two full runs and\none of the cost per job alone" in section
    deploy = (ROOT / "docs" / "deploy.md").read_text()
    db = deploy[deploy.index("- **Database**") : deploy.index("- **Connections**")]
    assert f"{min(sqlite_med):.2f}–{max(sqlite_med):.2f} ms on SQLite" in db
    assert f"{min(pg_med):.2f}–{max(pg_med):.2f} ms on a local PostgreSQL" in db
    assert f"{min(rates):.0f}–{max(rates):.0f} jobs/s" in db
    assert f"{min(rates):.0f}–{max(rates):.0f} jobs/s" in section


def test_vale_help_names_every_format_docs_vale_lists(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    with pytest.raises(SystemExit):
        main(["vale", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for fmt in ("Markdown", "MDX", "HTML", "reStructuredText", "AsciiDoc", "Org", "plain text"):
        assert fmt in out, fmt


def test_user_docs_show_no_developer_paths() -> None:
    docs = [ROOT / "README.md", ROOT / "SECURITY.md", *(ROOT / "docs").glob("*.md")]
    docs.remove(ROOT / "docs" / "benchmarks.md")  # its commands are the measured runs, as run
    for path in docs:
        assert "/work/" not in path.read_text(), path
