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
    "bot.history_cmd",
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


# one-shot commands whose process may end without the interpreter's teardown once their output
# is written: with torch loaded, the teardown alone takes 1-3 s (bench/cli_start.py)
_FAST_EXIT = frozenset({"review", "eval"})


def main(argv: Sequence[str] | None = None) -> int:
    import os

    from bot.errors import SECRET_ENV_KEYS, output_masking
    from bot.settings import database_password

    # every line the CLI prints (and logs) goes through the secret masker: the tokens and the
    # database password, as the bot masks them
    secrets = [os.environ.get(k) for k in SECRET_ENV_KEYS]
    secrets.append(database_password(os.environ.get("BRANDBOT_DATABASE_URL")))
    with output_masking(secrets):
        parser = build_parser()
        args = parser.parse_args(argv)
        func = getattr(args, "func", None)
        if func is None:
            parser.print_help()
            return 2
        try:
            code: int = func(args)
        except BrokenPipeError:  # the reader went away while the command was writing
            _drop_stdout()
            return BROKEN_PIPE_EXIT
        try:
            sys.stdout.flush()  # finished; a reader that left (`| head`) shows here, not at exit
        except BrokenPipeError:
            _drop_stdout()
        if argv is None and args.command in _FAST_EXIT and "torch" in sys.modules:
            _exit_now(code)  # the console script only: tests call main(argv) and get the code
        return code


# `brandbot ... | head`: the reader closed the pipe before the command finished writing. Every
# subcommand ends quietly with the shell's code for a SIGPIPE death (128 + 13), no traceback;
# a command that finished and only lost its last buffered output keeps its own exit code.
BROKEN_PIPE_EXIT = 141


def _drop_stdout() -> None:
    """Point fd 1 at /dev/null, so the interpreter's last flush of stdout cannot fail again
    (Python's documented way: docs.python.org/3/library/signal.html#note-on-sigpipe)."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.__stdout__.fileno() if sys.__stdout__ else 1)
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _exit_now(code: int) -> None:
    """Flush what was written, then end the process without the interpreter's teardown."""
    import contextlib
    import logging
    import os

    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (| head)
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
