"""``python -m bot`` = ``brandbot serve`` (extra arguments are passed on)."""

from __future__ import annotations

import sys

from bot.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
