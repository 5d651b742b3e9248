"""Documentation that must stay true (issue 10): pointers resolve, the fake Slack's launcher."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_constraints_points_at_a_readme_section_that_exists() -> None:
    text = (ROOT / "constraints.txt").read_text(encoding="utf-8")
    headings = {
        h.strip()
        for h in re.findall(r"^#+ (.+)$", (ROOT / "README.md").read_text(encoding="utf-8"), re.M)
    }
    pointed = re.findall(r'README,? "([^"]+)"', text.replace("\n# ", " "))
    assert pointed, text
    assert set(pointed) <= headings, (pointed, headings)


def test_scripts_fake_slack_runs_the_fake_in_the_virtualenv() -> None:
    script = ROOT / "scripts" / "fake-slack"
    assert os.access(script, os.X_OK)
    body = script.read_text(encoding="utf-8")
    assert "./scripts/setup" in body and ".venv/bin/python -m tests.fakeslack" in body
    assert "scripts/fake-slack" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_fake_says_when_the_spec_is_missing(tmp_path: Path) -> None:
    code = (
        "import asyncio, sys\n"
        "import tests.fakeslack.server as s\n"
        "s.default_spec_path = lambda: s.Path(sys.argv[1])\n"
        "import tests.fakeslack.__main__ as m\n"
        "m.default_spec_path = s.default_spec_path\n"
        "sys.argv = ['fakeslack', '--port', '0']\n"
        "asyncio.run(m.main())\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "no-spec.json")],
        input="quit\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    out = proc.stdout
    assert "spec was not found" in out, out + proc.stderr
    assert "spec=MISSING" in out
