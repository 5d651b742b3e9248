"""manifest.yml, .env.example and the Dockerfile agree with the code."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.listeners.commands import COMMAND
from bot.listeners.shortcuts import CALLBACK_ID
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_manifest_matches_the_app() -> None:
    m = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert [c["command"] for c in m["features"]["slash_commands"]] == [COMMAND]
    [shortcut] = m["features"]["shortcuts"]
    assert shortcut["type"] == "message" and shortcut["callback_id"] == CALLBACK_ID
    scopes = set(m["oauth_config"]["scopes"]["bot"])
    assert scopes >= {
        "chat:write",
        "commands",
        "channels:history",
        "groups:history",
        "reactions:read",
        "reactions:write",
        "files:read",
        "users:read",
        "app_mentions:read",
        "im:write",
    }
    events = set(m["settings"]["event_subscriptions"]["bot_events"])
    assert events >= {
        "message.channels",
        "message.groups",
        "app_mention",
        "reaction_added",
        "file_shared",
    }
    assert m["settings"]["socket_mode_enabled"] is True
    assert m["settings"]["interactivity"]["is_enabled"] is True


def test_env_example_lists_every_setting_and_parses() -> None:
    source = (ROOT / "bot" / "settings.py").read_text()
    read = set(re.findall(r'"((?:SLACK|BRANDBOT)_[A-Z_]+|PORT|HOST)"', source))
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z_]+)=", example, flags=re.M))
    assert read - {"BRANDBOT_LOG_LEVEL"} <= listed, read - listed
    assert listed <= read | {"LOG_LEVEL"}, listed - read
    s = Settings.from_env({}, dotenv_path=ROOT / ".env.example", require_tokens=False)
    assert s.mode == "socket" and not s.has_slack_credentials


def test_dockerfile_essentials() -> None:
    d = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in d
    assert "pip install -c constraints.txt ." in d
    assert re.search(r"^USER brandbot$", d, flags=re.M)
    assert "RUN brandbot warmup" in d and "HEALTHCHECK" in d and "/healthz" in d
    assert 'CMD ["brandbot", "serve"]' in d
    # models are warmed as the run-time user, after the switch to it
    assert d.index("USER brandbot") < d.index("RUN brandbot warmup")
