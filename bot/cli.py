"""``brandbot`` console script: dispatches to the subcommands."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from importlib import metadata

# module path -> present once that subcommand exists; each exposes register(subparsers)
_SUBCOMMANDS = (
    "analyzers.cli.review_cmd",
    "analyzers.cli.vale_cmd",
    "analyzers.cli.eval_cmd",
    "bot.serve_cmd",
    "bot.doctor_cmd",
)


def _version() -> str:
    try:
        return metadata.version("brandbot")
    except metadata.PackageNotFoundError:  # running from a checkout without installing
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="brandbot", description="Review marketing copy against a brand guide."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _SUBCOMMANDS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    import os

    from bot.errors import SECRET_ENV_KEYS, output_masking

    # every line the CLI prints (and logs) goes through the secret masker
    with output_masking(os.environ.get(k) for k in SECRET_ENV_KEYS):
        parser = build_parser()
        args = parser.parse_args(argv)
        func = getattr(args, "func", None)
        if func is None:
            parser.print_help()
            return 2
        code: int = func(args)
        return code


if __name__ == "__main__":
    sys.exit(main())
