"""What the docs say agrees with the code and the measured tables (fresh-clone walkthrough)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_deploy_doc_states_the_shutdown_grace_the_code_uses() -> None:
    from bot.serve_cmd import SHUTDOWN_GRACE_S

    deploy = (ROOT / "docs" / "deploy.md").read_text()
    row = next(line for line in deploy.splitlines() if "a replica is stopped (SIGTERM" in line)
    stated = re.findall(r"get (\d+(?:\.\d+)?) s to finish", row)
    assert stated == [f"{SHUTDOWN_GRACE_S:g}"], row
