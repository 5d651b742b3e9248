"""``brandbot vale``: lint files with Vale styles and print Vale's line or JSON output."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from analyzers.vale import FileResult, Linter, ValeError, find_config, load_config
from analyzers.vale.filter import FilterError, read_filter


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "vale",
        help="lint files with Vale styles (Vale-compatible output)",
        description=(
            "Lint Markdown, MDX, HTML, reStructuredText, AsciiDoc (with asciidoctor), Org (with "
            "pandoc) and plain text with Vale styles, the way vale does."
        ),
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: .)")
    p.add_argument("--config", help="a .vale.ini file (default: search upward from here)")
    p.add_argument("--output", default="line", help="line or JSON (default: line)")
    p.add_argument("--sort", action="store_true", help="sort files by path")
    p.add_argument("--normalize", action="store_true", help="use forward slashes in paths")
    p.add_argument("--relative", action="store_true", help="print paths relative to here")
    p.add_argument("--no-global", action="store_true", help="ignore the global configuration")
    p.add_argument("--minAlertLevel", dest="min_alert_level", help="suggestion, warning or error")
    p.add_argument("--glob", default=None, help="only lint files matching this glob")
    p.add_argument("--ext", default=None, help="extension for text given on the command line")
    p.add_argument(
        "--ignore-syntax",
        action="store_true",
        help="lint every file as plain text, ignoring its markup",
    )
    p.add_argument(
        "--filter",
        default=None,
        help="only run rules matching this expression, or a file holding one (see docs/vale.md)",
    )
    p.set_defaults(func=run)


def _line_output(results: list[FileResult]) -> str:
    lines = []
    for res in results:
        for a in res.alerts:
            lines.append(f"{a.path}:{a.line}:{a.column}:{a.check}:{a.message}")
    return "\n".join(lines)


def _json_output(results: list[FileResult]) -> str:
    data: dict[str, list[dict[str, Any]]] = {}
    for res in results:
        if not res.alerts:
            continue
        data[res.path] = [
            {
                "Action": {"Name": a.action or "", "Params": list(a.params) or None},
                "Span": [a.column, a.end_column],
                "Check": a.check,
                "Description": "",
                "Link": a.link,
                "Message": a.message,
                "Severity": a.severity,
                "Match": a.matched,
                "Line": a.line,
            }
            for a in res.alerts
        ]
    return json.dumps(data, indent=2, ensure_ascii=False)


def _piped_stdin() -> str | None:
    """Text piped to stdin (not a terminal), or ``None``."""
    stream = sys.stdin
    try:
        if stream is None or stream.closed or stream.isatty():
            return None
        return stream.read() or None
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def run(args: argparse.Namespace) -> int:
    cwd = Path.cwd()
    fmt = str(args.output).lower()
    if fmt not in ("line", "json"):
        print(f"E100 [--output] Runtime error\n\nunknown output {args.output!r}: use line or JSON")
        return 2
    try:
        cfg_path = Path(args.config) if args.config else find_config(cwd)
        if cfg_path is None or not cfg_path.is_file():
            raise ValeError(".vale.ini not found", "no .vale.ini, _vale.ini, .vale or _vale here")
        try:
            rule_filter = read_filter(args.filter, cwd) if args.filter else None
            linter = Linter(
                load_config(cfg_path), min_level=args.min_alert_level, rule_filter=rule_filter
            )
        except FilterError as exc:
            raise ValeError("--filter", str(exc)) from None
        piped = _piped_stdin() if not args.paths else None
        paths = list(args.paths) or ([] if piped else ["."])
        existing = [p for p in paths if (cwd / p).exists()]
        as_ext = ".txt" if args.ignore_syntax else args.ext
        results = linter.lint_paths(existing, cwd, args.glob, as_ext)
        if piped:
            # ``cat file | vale --ext=.md``: Vale names the input ``stdin.EXT``
            ext = args.ext or ".txt"
            res = linter.lint_text(piped.replace("\r\n", "\n"), f"stdin{ext}", ext)
            if res is not None:
                results.append(res)
        for p in paths:
            if p not in existing and p not in (".",):
                ext = args.ext or ".txt"
                res = linter.lint_text(p, f"stdin{ext}", ext)
                if res is not None:
                    results.append(res)
    except ValeError as exc:
        print(exc.render())
        return 2
    for res in results:
        if args.normalize:
            res.path = res.path.replace(os.sep, "/")
            for i, a in enumerate(res.alerts):
                res.alerts[i] = type(a)(**{**a.__dict__, "path": res.path})
    if args.sort:
        results.sort(key=lambda r: r.path)
    out = _line_output(results) if fmt == "line" else _json_output(results)
    if out:
        sys.stdout.write(out + "\n")
    errors = any(a.severity == "error" for r in results for a in r.alerts)
    return 1 if errors else 0
