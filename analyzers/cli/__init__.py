"""Slack-free subcommands of the ``brandbot`` command line (review, vale, eval).

Each module exposes ``register(subparsers)`` which adds its parser and sets ``func`` to a
callable ``(argparse.Namespace) -> int`` returning the exit code.
"""
