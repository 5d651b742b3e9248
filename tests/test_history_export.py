"""``brandbot history export``: CSV and JSON lines, time windows, bad input, both backends."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

import pytest
from test_storage_history import entry

from bot.cli import main
from bot.history_cmd import parse_when
from bot.storage import open_database
from bot.storage.history import ReviewHistory


@pytest.fixture
def filled(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> float:
    """Five reviews, one a day for the last five days; the settings point at the database."""
    monkeypatch.chdir(tmp_path)  # no .env from elsewhere
    for key in list(__import__("os").environ):
        if key.startswith(("BRANDBOT_", "SLACK_")):
            monkeypatch.delenv(key)
    if "://" in db_url:
        monkeypatch.setenv("BRANDBOT_DATABASE_URL", db_url)
    else:
        monkeypatch.setenv("BRANDBOT_DB_PATH", db_url)
    db = open_database(db_url)
    history = ReviewHistory(db)
    now = time.time()
    for i in range(5):
        e = entry(f"k{i}", at=now - (4 - i) * 86400 - 60, store_text=(i == 4))
        if i == 4:
            from dataclasses import replace

            e = replace(e, text='=HYPERLINK("http://x")', author="@U4")
        history.record(e)
    db.close()
    return now


def test_jsonl_since_an_age(filled: float, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "export", "--since", "3d", "--format", "jsonl"]) == 0
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["review_key"] for r in rows] == ["k2", "k3", "k4"]
    assert rows[0]["scores"] == {"terminology": 61.5, "tone": 90.0}
    assert rows[0]["findings"][1] == {
        "rule": "Brand.Banned",
        "category": "terminology",
        "severity": "error",
        "start": 12,
        "end": 19,
        "message": "Avoid 'synergy'.",
        "term": "synergy",  # the flagged word, kept for the team's votes (issue 13)
    }
    assert "exported 3 review(s)" in err


def test_csv_to_a_file_with_a_window_and_formula_cells_neutralised(
    filled: float, tmp_path: Path
) -> None:
    day = time.strftime("%Y-%m-%d", time.gmtime(filled - 2 * 86400))
    out = tmp_path / "h.csv"
    code = main(
        ["history", "export", "--since", "10d", "--until", "1h", "--format", "csv", "-o", str(out)]
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["review_key"] for r in rows] == ["k0", "k1", "k2", "k3"]
    assert main(["history", "export", "--since", "10d", "--format", "csv", "-o", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["review_key"] for r in rows] == ["k0", "k1", "k2", "k3", "k4"]
    assert rows[0]["finding_count"] == "2" and json.loads(rows[0]["scores"])["tone"] == 90.0
    assert rows[0]["reviewed_at"].endswith("+00:00") and rows[0]["text"] == ""
    assert rows[4]["text"] == '\'=HYPERLINK("http://x")' and rows[4]["author"] == "'@U4"
    code = main(["history", "export", "--since", day, "--format", "csv", "-o", str(out)])
    assert code == 0 and len(list(csv.DictReader(io.StringIO(out.read_text())))) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "last tuesday"], "is not a date"),
        (["--since", "1d", "--until", "2d"], "--until must be later than --since"),
    ],
)
def test_bad_arguments_exit_2_with_the_reason(
    filled: float, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["history", "export", *args]) == 2
    assert message in capsys.readouterr().err


def test_no_database_is_an_error_not_a_new_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BRANDBOT_DATABASE_URL", raising=False)
    monkeypatch.setenv("BRANDBOT_DB_PATH", str(tmp_path / "missing.sqlite3"))
    assert main(["history", "export", "--since", "1d"]) == 2
    assert "no database at" in capsys.readouterr().err
    assert not (tmp_path / "missing.sqlite3").exists()


def test_parse_when() -> None:
    assert parse_when("2026-11-01") == 1793491200.0
    assert parse_when("2026-11-01T01:00+01:00") == 1793491200.0
    assert parse_when("2d", now=1000000.0) == 1000000.0 - 172800
