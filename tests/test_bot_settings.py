"""bot.settings: validation with clear messages, .env loading, secrets masked."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError

TOKENS = {"SLACK_BOT_TOKEN": "xoxb-1-secretbot", "SLACK_APP_TOKEN": "xapp-1-secretapp"}


def test_defaults_socket_mode() -> None:
    s = Settings.from_env(TOKENS, dotenv_path=None)
    assert s.mode == "socket" and s.min_words == 20 and s.review_reaction == "mag"
    assert s.has_slack_credentials and s.api_base_url == "https://slack.com/api/"


def test_all_problems_reported_at_once() -> None:
    env = {
        "SLACK_BOT_TOKEN": "not-a-token",
        "BRANDBOT_MIN_WORDS": "many",
        "BRANDBOT_WORKERS": "0",
        "BRANDBOT_MANAGER_IDS": "U0ABC123, bob",
        "BRANDBOT_ALERT_CHANNEL": "#alerts",
        "BRANDBOT_MODE": "carrier-pigeon",
        "BRANDBOT_REVIEW_REACTION": "not an emoji",
        "BRANDBOT_GUIDE": "/nope/guide.yaml",
        "BRANDBOT_LOG_LEVEL": "LOUD",
    }
    with pytest.raises(SettingsError) as err:
        Settings.from_env(env, dotenv_path=None)
    msg = str(err.value)
    for needle in (
        "SLACK_BOT_TOKEN must be a bot token starting with xoxb-",
        "SLACK_APP_TOKEN is missing",
        "BRANDBOT_MIN_WORDS='many' is not a whole number",
        "BRANDBOT_WORKERS=0 must be between 1 and 256",
        "'bob' is not a Slack id",
        "BRANDBOT_ALERT_CHANNEL='#alerts' must be a channel id",
        "BRANDBOT_MODE='carrier-pigeon'",
        "not an emoji name",
        "BRANDBOT_GUIDE='/nope/guide.yaml': no such file",
        "BRANDBOT_LOG_LEVEL='LOUD'",
        ".env.example",
    ):
        assert needle in msg, needle
    assert len(err.value.problems) == 10


def test_http_mode_needs_signing_secret() -> None:
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET is missing"):
        Settings.from_env({"BRANDBOT_MODE": "http", "SLACK_BOT_TOKEN": "xoxb-1"}, dotenv_path=None)
    s = Settings.from_env(
        {
            "BRANDBOT_MODE": "http",
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "abc",
            "PORT": "8080",
        },
        dotenv_path=None,
    )
    assert s.mode == "http" and s.port == 8080 and s.has_slack_credentials


def test_dotenv_file_and_environment_precedence(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "SLACK_BOT_TOKEN=xoxb-from-file\nSLACK_APP_TOKEN=xapp-from-file\n"
        'BRANDBOT_WATCHED_CHANNELS="C01, #drafts C02"\nBRANDBOT_MIN_WORDS=7\n'
    )
    s = Settings.from_env({"BRANDBOT_MIN_WORDS": "9"}, dotenv_path=env_file)
    assert s.bot_token == "xoxb-from-file"
    assert s.watched_channels == ("C01", "#drafts", "C02")
    assert s.min_words == 9


def test_offline_commands_need_no_tokens() -> None:
    s = Settings.from_env({}, dotenv_path=None, require_tokens=False)
    assert not s.has_slack_credentials


def test_repr_masks_secrets() -> None:
    s = Settings.from_env({**TOKENS, "SLACK_SIGNING_SECRET": "sig-very-secret"}, dotenv_path=None)
    text = repr(s) + str(s)
    assert "secretbot" not in text and "secretapp" not in text and "sig-very-secret" not in text
    assert "xoxb-***" in text and "xapp-***" in text
    assert set(s.secrets) == {"xoxb-1-secretbot", "xapp-1-secretapp", "sig-very-secret"}


def test_watched_channels_by_name_or_id() -> None:
    s = Settings.from_env(
        {**TOKENS, "BRANDBOT_WATCHED_CHANNELS": "#Launches,C0123ABCD launches-2 G0PRIV"},
        dotenv_path=None,
    )
    assert s.watched_channels == ("#launches", "C0123ABCD", "#launches-2", "G0PRIV")
    with pytest.raises(SettingsError) as err:
        Settings.from_env(
            {**TOKENS, "BRANDBOT_WATCHED_CHANNELS": "#ok,<#C0123|launches>"}, dotenv_path=None
        )
    assert "'<#C0123|launches>' is neither a channel id" in str(err.value)


def test_database_url_is_validated_and_its_password_never_shown() -> None:
    from bot.settings import Settings, SettingsError

    url = "postgresql://brandbot:s3cr3t-pw@db.internal:5432/brandbot"
    s = Settings.from_env({"BRANDBOT_DATABASE_URL": url}, dotenv_path=None, require_tokens=False)
    assert s.database == url and "s3cr3t-pw" in s.secrets
    assert "s3cr3t-pw" not in repr(s) and "brandbot:***@db.internal" in repr(s)
    s = Settings.from_env({}, dotenv_path=None, require_tokens=False)
    assert s.database == "brandbot.sqlite3" and s.database_url is None
    with pytest.raises(SettingsError) as err:
        Settings.from_env(
            {"BRANDBOT_DATABASE_URL": "mysql://u:topsecret@h/db", "BRANDBOT_JOB_LEASE": "1"},
            dotenv_path=None,
            require_tokens=False,
        )
    text = str(err.value)
    assert "BRANDBOT_DATABASE_URL" in text and "must be a PostgreSQL URL" in text
    assert "topsecret" not in text
    assert "BRANDBOT_JOB_LEASE=1 must be between 2 and 3600" in text
    with pytest.raises(SettingsError, match="BRANDBOT_HISTORY_STORE_TEXT='maybe' must be true"):
        Settings.from_env(
            {"BRANDBOT_HISTORY_STORE_TEXT": "maybe"}, dotenv_path=None, require_tokens=False
        )
