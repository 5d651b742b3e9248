"""Issue 8, items 6 and 7: one-line errors (exit 2) instead of tracebacks, a damaged journal
never stops the bot, and no secret reaches the terminal, the log or an error message."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from analyzers.rules import RuleError, load_style
from bot.errors import SecretMasker, install_log_masking
from bot.settings import Settings, SettingsError
from bot.store import Store

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "xoxb-1111-2222-secretbottoken"
SIGNING = "0123456789abcdef0123456789abcdef"
HF = "hf_SuperSecretHuggingFaceToken"


def _cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


# -- item 6: guides, .env, vale arguments ------------------------------------------------------

BAD_GUIDES = {
    "control character": b"name: A\x07B\n",
    "int tag": b"name: !!int hello\n",
    "timestamp tag": b"name: !!timestamp hello\n",
    "infinite limit": b"name: A\nlimits:\n  max_exclamations: .inf\n",
    "NaN limit": b"name: A\nlimits:\n  max_exclamations: .nan\n",
}


@pytest.mark.parametrize("label", sorted(BAD_GUIDES))
def test_bad_guides_are_one_line_errors(label: str, tmp_path: Path) -> None:
    guide = tmp_path / "guide.yml"
    guide.write_bytes(BAD_GUIDES[label])
    proc = _cli("review", "--no-models", "--guide", str(guide), "Hello there world", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "guide error" in lines[0], proc.stderr


def test_utf16_dotenv_is_one_clear_error(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_bytes("SLACK_BOT_TOKEN=xoxb-1\n".encode("utf-16"))
    with pytest.raises(SettingsError, match=r"is UTF-16 text; save it as UTF-8"):
        Settings.from_env({}, dotenv_path=env)
    proc = _cli("serve", cwd=tmp_path)
    assert proc.returncode == 2 and "UTF-16" in proc.stderr and "Traceback" not in proc.stderr


def test_vale_odd_arguments_and_sections(tmp_path: Path) -> None:
    (tmp_path / ".vale.ini").write_text(
        "MinAlertLevel = suggestion\n[*.md]\nBasedOnStyles = Vale\n"
    )
    proc = _cli("vale", "--ext", ".md", "\rl", cwd=tmp_path)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    (tmp_path / ".vale.ini").write_text(
        "MinAlertLevel = suggestion\n[[z-a].md]\nBasedOnStyles = Vale\n"
    )
    (tmp_path / "a.md").write_text("hello\n")
    proc = _cli("vale", "a.md", cwd=tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2 and "Traceback" not in out, out
    assert "[[z-a].md]: invalid file pattern" in out


# -- item 6: the journal -----------------------------------------------------------------------


def test_corrupt_sqlite_file_is_moved_aside_and_the_bot_starts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "brandbot.sqlite3"
    db.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    with caplog.at_level(logging.WARNING, logger="bot.store"):
        store = Store(db)
    try:
        assert store.add_job("k", "review", "message", {"a": 1}) is not None
    finally:
        store.close()
    assert "is damaged" in caplog.text and "moved aside" in caplog.text
    assert list(tmp_path.glob("brandbot.sqlite3.damaged-*"))


def test_a_journal_row_that_is_not_json_does_not_stop_serve(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "brandbot.sqlite3"
    store = Store(db)
    good = store.add_job("good", "review", "message", {"text": "hi"})
    bad = store.add_job("bad", "review", "message", {"text": "x"})
    store.close()
    assert good is not None and bad is not None
    raw = sqlite3.connect(db)
    raw.execute("UPDATE jobs SET payload = ? WHERE id = ?", ("{not json", bad.id))
    raw.commit()
    raw.close()
    store = Store(db)
    try:
        with caplog.at_level(logging.WARNING, logger="bot.store"):
            jobs = store.unfinished_jobs()
        assert [j.key for j in jobs] == ["good"]
        assert "not valid JSON" in caplog.text
        assert store.unfinished_jobs() == jobs  # marked failed: not retried forever
        assert store.get_job(bad.id) is None
    finally:
        store.close()


# -- item 7: secrets ---------------------------------------------------------------------------


def test_guide_path_naming_a_secret_never_prints_it(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"SLACK_BOT_TOKEN={TOKEN}\nSLACK_SIGNING_SECRET={SIGNING}\nBRANDBOT_MODE=http\n"
        "BRANDBOT_GUIDE=${SLACK_SIGNING_SECRET}\n"
    )
    proc = _cli("serve", cwd=tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert "BRANDBOT_GUIDE" in out and "no such file" in out
    assert SIGNING not in out and TOKEN not in out
    (tmp_path / ".env").write_text(
        f"SLACK_BOT_TOKEN={TOKEN}\nSLACK_APP_TOKEN=xapp-1-A-2-x\nBRANDBOT_GUIDE=${{SLACK_BOT_TOKEN}}\n"
    )
    proc = _cli("serve", cwd=tmp_path)
    assert proc.returncode == 2 and TOKEN not in proc.stdout + proc.stderr


def test_the_cli_never_prints_the_database_password(tmp_path: Path) -> None:
    """A hostile pass: a guide path naming ${BRANDBOT_DATABASE_URL} printed its password; the
    CLI masked only the Slack tokens."""
    url = "postgresql://brandbot:Pa55w0rd-x9@db/brand"
    guide = tmp_path / "guide.yaml"
    guide.write_text("name: Acme\n", encoding="utf-8")
    proc = _cli(
        "review",
        "--no-models",
        "--guide",
        str(guide),
        "Our cheap plan, password Pa55w0rd-x9.",
        cwd=tmp_path,
        env={"BRANDBOT_DATABASE_URL": url},
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert "Pa55w0rd-x9" not in proc.stdout + proc.stderr and "***" in proc.stdout


def test_every_secret_setting_is_masked_hf_token_included(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = Settings.from_env(
        {"SLACK_BOT_TOKEN": TOKEN, "SLACK_APP_TOKEN": "xapp-1-A-2-x", "HF_TOKEN": HF},
        dotenv_path=None,
    )
    assert HF in settings.secrets and TOKEN in settings.secrets
    install_log_masking(settings.secrets)
    with caplog.at_level(logging.INFO, logger="test.secrets"):
        logging.getLogger("test.secrets").info("token %s and %s", HF, TOKEN)
    assert HF not in caplog.text and TOKEN not in caplog.text
    assert SecretMasker([HF]).mask(f"x {HF} y") == "x *** y"


def test_symlinked_rule_file_contents_never_appear(tmp_path: Path) -> None:
    secret = tmp_path / "secret.env"
    secret.write_text(f"SLACK_SIGNING_SECRET: [{SIGNING}\n")  # invalid YAML, quoted by PyYAML
    style = tmp_path / "styles" / "Acme"
    style.mkdir(parents=True)
    (style / "Leak.yml").symlink_to(secret)
    with pytest.raises(RuleError) as err:
        load_style(tmp_path / "styles", "Acme")
    assert SIGNING not in str(err.value)
    assert "symbolic link to a file outside the style folder" in str(err.value)
    # a plain file with broken YAML: position and problem, never its text
    (style / "Leak.yml").unlink()
    (style / "Broken.yml").write_text(f"extends: existence\nmessage: [{SIGNING}\n")
    with pytest.raises(RuleError) as err:
        load_style(tmp_path / "styles", "Acme")
    assert SIGNING not in str(err.value) and "invalid YAML" in str(err.value)


def test_journal_payloads_are_json(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    try:
        job = store.add_job("k", "review", "message", {"a": [1, 2]})
        assert job is not None and json.dumps(job.payload) == '{"a": [1, 2]}'
    finally:
        store.close()
