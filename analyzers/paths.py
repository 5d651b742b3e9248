"""Where brandbot finds material that lives outside the package."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    """``../shared`` beside the checkout, or ``$BRANDBOT_SHARED`` when set.

    Training data, Slack's API specs and Vale's fixtures are read from there, never copied.
    """
    env = os.environ.get("BRANDBOT_SHARED")
    if env:
        return Path(env).expanduser().resolve()
    return (REPO_ROOT.parent / "shared").resolve()
