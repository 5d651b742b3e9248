"""``brandbot history export --since … [--until …] --format csv|jsonl [--output FILE]``.

Dumps the review history (``bot/storage/history.py``) from the database the settings name
(``BRANDBOT_DATABASE_URL``, else ``BRANDBOT_DB_PATH``), oldest first, read in batches so the
memory use does not grow with the history. ``--since`` / ``--until`` take a date
(``2026-11-01``), a date and time (``2026-11-01T09:30``, UTC unless an offset is given) or an
age (``7d``, ``12h``, ``30m``). CSV has one row per review, its scores and findings as JSON
cells; a cell that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) is
prefixed with ``'``. JSONL has one object per review. Exit 2 on bad arguments or settings, with
the reason; the database is never written to (it must already be at this version's schema).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import re
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from bot.settings import Settings, SettingsError

CSV_COLUMNS = (
    "reviewed_at",
    "review_key",
    "kind",
    "workspace",
    "channel",
    "draft_ts",
    "part",
    "version",
    "author",
    "profile",
    "verdict",
    "score",
    "word_count",
    "finding_count",
    "scores",
    "findings",
    "model_version",
    "guide_version",
    "reply_channel",
    "reply_ts",
    "text_sha256",
    "text",
)
_AGE = re.compile(r"^(\d{1,6})\s*([dhm])$", re.ASCII)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class UsageError(ValueError):
    pass


def register(subparsers: Any) -> None:
    history = subparsers.add_parser("history", help="the review history (export)")
    sub = history.add_subparsers(dest="history_command", metavar="ACTION")
    export = sub.add_parser(
        "export",
        help="dump reviews as CSV or JSON lines",
        description="Dump the review history, oldest first.",
    )
    export.add_argument(
        "--since", required=True, help="2026-11-01, 2026-11-01T09:30, or an age: 7d, 12h, 30m"
    )
    export.add_argument("--until", help="same forms as --since (default: now)")
    export.add_argument("--format", choices=("csv", "jsonl"), default="jsonl")
    export.add_argument("--output", "-o", help="write to this file instead of stdout")
    export.add_argument("--env-file", default=".env", help="dotenv file to read (default: .env)")
    export.set_defaults(func=export_main)
    history.set_defaults(func=lambda _args: _usage(history))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def parse_when(value: str, *, now: float | None = None) -> float:
    """A date, a date and time (UTC unless it has an offset) or an age -> Unix seconds."""
    now = time.time() if now is None else now
    text = value.strip()
    age = _AGE.match(text.lower())
    if age:
        n, unit = int(age.group(1)), age.group(2)
        return now - n * {"d": 86400, "h": 3600, "m": 60}[unit]
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        shown = value if len(value) <= 60 else value[:57] + "..."
        raise UsageError(
            f"{shown!r} is not a date (2026-11-01), a date and time (2026-11-01T09:30) "
            "or an age (7d, 12h, 30m)"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def export_main(args: argparse.Namespace) -> int:
    import os

    from bot.storage import open_database
    from bot.storage.history import ReviewHistory
    from bot.storage.migrate import current_revision, head_revision

    try:
        since = parse_when(args.since)
        until = parse_when(args.until) if args.until else None
        if until is not None and until <= since:
            raise UsageError("--until must be later than --since")
        settings = Settings.from_env(
            dict(os.environ), dotenv_path=args.env_file, require_tokens=False
        )
    except (UsageError, SettingsError) as exc:
        print(f"brandbot history export: {exc}", file=sys.stderr)
        return 2
    target = settings.database
    if not settings.database_url and not Path(target).is_file():
        print(f"brandbot history export: no database at {target}", file=sys.stderr)
        return 2
    try:
        db = open_database(target, migrate=False)
        revision = current_revision(db)
    except Exception as exc:
        from bot.storage.database import open_error

        print(f"brandbot history export: {open_error(target, exc)}", file=sys.stderr)
        return 2
    try:
        if revision != head_revision():
            print(
                f"brandbot history export: the database schema is at {revision or 'none'}, this "
                f"brandbot expects {head_revision()}; start `brandbot serve` once to migrate it",
                file=sys.stderr,
            )
            return 2
        entries = ReviewHistory(db).iter(since=since, until=until)
        with _open_output(args.output) as out:
            n = write(entries, out, args.format)
        print(f"exported {n} review(s)", file=sys.stderr)
        return 0
    finally:
        db.close()


@contextlib.contextmanager
def _open_output(path: str | None) -> Iterator[IO[str]]:
    if not path:
        yield sys.stdout
        return
    with open(path, "w", encoding="utf-8", newline="") as f:
        yield f


def write(entries: Any, out: IO[str], fmt: str) -> int:
    """Write ``entries`` (``HistoryEntry`` values) as ``csv`` or ``jsonl``; returns the count."""
    from bot.storage.history import entry_json

    n = 0
    if fmt == "jsonl":
        for entry in entries:
            out.write(entry_json(entry) + "\n")
            n += 1
        return n
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        row = entry.to_dict()
        row["reviewed_at"] = datetime.fromtimestamp(entry.reviewed_at, UTC).isoformat()
        row["finding_count"] = len(entry.findings)
        row["scores"] = json.dumps(row["scores"], sort_keys=True)
        row["findings"] = json.dumps(row["findings"], ensure_ascii=False)
        writer.writerow([_cell(row[c]) for c in CSV_COLUMNS])
        n += 1
    return n


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
