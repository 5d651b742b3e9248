"""manifest.yml, .env.example and the Dockerfile agree with the code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

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
    # bot/settings.py hands the hosted-inference variables to analyzers/remote/config.py
    source = (ROOT / "bot" / "settings.py").read_text()
    source += (ROOT / "analyzers" / "remote" / "config.py").read_text()
    read = set(re.findall(r'"((?:SLACK|BRANDBOT)_[A-Z_]+|PORT|HOST|LOG_LEVEL|HF_TOKEN)"', source))
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z_]+)=", example, flags=re.M))
    # settings an empty value would harm are documented commented out (`# NAME=`)
    commented = set(re.findall(r"^# ([A-Z_]+)=", example, flags=re.M)) & read
    aliases = {"LOG_LEVEL"}  # read when BRANDBOT_LOG_LEVEL is unset; named in a comment
    assert read - aliases - commented == listed, (read - aliases - listed, listed - read)
    for alias in aliases:
        assert alias in read and re.search(rf"^#.*\b{alias}\b", example, flags=re.M), alias
    # every listed setting has a comment right above it (or shares its group's comment)
    lines = example.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^[A-Z_]+=", line):
            above = lines[i - 1] if i else ""
            assert above.startswith("#") or re.match(r"^[A-Z_]+=", above), line
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


_ENV_READ = re.compile(
    r"""(?:environ(?:\.get)?\(\s*|environ\[\s*|getenv\(\s*|_ENV\s*=\s*)["']([A-Z][A-Z0-9_]+)["']"""
)
# read by the code but not brandbot settings: documented where their tool is
_NOT_SETTINGS = {
    "BRANDBOT_SHARED": "README.md",  # tests, benchmarks and training find ../shared with it
    "DICPATH": "docs/vale.md",  # Hunspell's own search path
    "VALE_CONFIG_PATH": "docs/vale.md",  # Vale's own
    "XDG_RUNTIME_DIR": ".env.example",  # the local review socket's default folder
    "PYTHONPATH": "",  # passed on to the sandbox's child process
}


def test_every_variable_the_code_reads_from_the_environment_is_a_documented_setting() -> None:
    """A setting read through ``os.environ`` anywhere in analyzers/ or bot/ must be read by
    ``Settings`` too (so ``.env`` works for it) and be listed in ``.env.example``."""
    from bot.settings import ANALYZER_ENV_KEYS

    found: dict[str, str] = {}
    for path in [*(ROOT / "analyzers").rglob("*.py"), *(ROOT / "bot").rglob("*.py")]:
        for name in _ENV_READ.findall(path.read_text()):
            found.setdefault(name, str(path.relative_to(ROOT)))
    assert {"BRANDBOT_DICTIONARY", "BRANDBOT_SHARED", "BRANDBOT_LOCAL_SOCKET"} <= set(found)
    settings_source = (ROOT / "bot" / "settings.py").read_text()
    settings_source += (ROOT / "analyzers" / "remote" / "config.py").read_text()
    example = (ROOT / ".env.example").read_text()
    problems = []
    for name, where in sorted(found.items()):
        if name in _NOT_SETTINGS:
            doc = _NOT_SETTINGS[name]
            if doc and name not in (ROOT / doc).read_text():
                problems.append(f"{name} ({where}) is not explained in {doc}")
            continue
        if f'"{name}"' not in settings_source:
            problems.append(f"{name} ({where}) is not read by bot/settings.py (.env ignored)")
        if not re.search(rf"^#? ?{name}=", example, flags=re.M):
            problems.append(f"{name} ({where}) is not listed in .env.example")
    assert problems == []
    # the ones only the analyzers read are handed on from .env to the process environment
    from_analyzers = {n for n, w in found.items() if n.startswith("BRANDBOT_")} - set(_NOT_SETTINGS)
    assert set(ANALYZER_ENV_KEYS) <= from_analyzers


def test_analyzer_settings_in_dotenv_reach_the_analyzers(tmp_path: Path) -> None:
    dic = tmp_path / "team.dic"
    dic.write_text("1\nLumaSync\n")
    (tmp_path / "team.aff").write_text("SET UTF-8\n")
    env_file = tmp_path / ".env"
    env_file.write_text(f"BRANDBOT_DICTIONARY={dic}\nBRANDBOT_QUANTIZE=true\n")
    s = Settings.from_env({}, dotenv_path=env_file, require_tokens=False)
    process: dict[str, str] = {"BRANDBOT_QUANTIZE": "false"}  # the real environment wins
    s.export_analyzer_env(process)
    assert process == {"BRANDBOT_DICTIONARY": str(dic), "BRANDBOT_QUANTIZE": "false"}
    # and the analyzers then use it
    import os
    from unittest import mock

    from analyzers.hunspell import default_dictionary

    with mock.patch.dict(os.environ, process):
        assert default_dictionary() == (tmp_path / "team.aff", dic)
    bad = tmp_path / "bad.env"
    bad.write_text("BRANDBOT_DICTIONARY=/nope/x.dic\nBRANDBOT_MINILM_DIR=/nope\n")
    import pytest

    from bot.settings import SettingsError

    with pytest.raises(SettingsError) as err:
        Settings.from_env({}, dotenv_path=bad, require_tokens=False)
    assert "BRANDBOT_DICTIONARY='/nope/x.dic' must name a Hunspell .dic file" in str(err.value)
    assert "BRANDBOT_MINILM_DIR='/nope': no such folder" in str(err.value)


def _image_env() -> dict[str, str]:
    """The Dockerfile's ``ENV`` values (one multi-line ENV instruction, comments skipped)."""
    d = (ROOT / "Dockerfile").read_text()
    block = re.search(r"^ENV (.*?)(?:\n\n|\n[A-Z]+ )", d, flags=re.M | re.S)
    assert block is not None
    lines = [ln.strip().rstrip("\\").strip() for ln in block.group(1).splitlines()]
    pairs = [ln.split("=", 1) for ln in lines if ln and not ln.startswith("#")]
    return {k: v for k, v in pairs}


def _env_file(path: Path) -> dict[str, str]:
    """What ``docker run --env-file`` sets: every ``KEY=value`` line, empty values included."""
    out: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            out[key] = value
    return out


def test_docker_run_with_the_example_env_file_keeps_the_database_in_the_volume() -> None:
    image = _image_env()
    assert image["BRANDBOT_DATA_DIR"] == "/data" and "BRANDBOT_DB_PATH" not in image
    env = {**image, **_env_file(ROOT / ".env.example")}  # --env-file wins over the image's ENV
    s = Settings.from_env(env, dotenv_path=None, require_tokens=False)
    assert s.db_path == Path("/data/brandbot.sqlite3")
    env["BRANDBOT_DB_PATH"] = "team.sqlite3"
    s = Settings.from_env(env, dotenv_path=None, require_tokens=False)
    assert s.db_path == Path("/data/team.sqlite3")
    env["BRANDBOT_DB_PATH"] = "/srv/brandbot.sqlite3"  # an absolute path is used as given
    s = Settings.from_env(env, dotenv_path=None, require_tokens=False)
    assert s.db_path == Path("/srv/brandbot.sqlite3")
    # outside the image: the working folder, as before
    s = Settings.from_env({}, dotenv_path=ROOT / ".env.example", require_tokens=False)
    assert s.db_path == Path("brandbot.sqlite3")


# -- scopes: every Web API method the bot calls, against Slack's OpenAPI spec ---------------------

# The spec predates granular bot scopes for chat: chat:write:bot / chat:write:user are chat:write.
_LEGACY_SCOPES = {"chat:write:bot": "chat:write", "chat:write:user": "chat:write"}
# conversation-type scopes the bot needs: public and private channels everywhere, and DMs to
# managers (conversations.open).
_CONVERSATION_TYPES = ("channels:", "groups:")
# events whose spec topic lists no scope (app.mention: []), from api.slack.com/events/...
_EVENT_SCOPES = {
    "app_mention": "app_mentions:read",
    "reaction_added": "reactions:read",
    "file_shared": "files:read",
}
# events newer than the spec file, with the scopes Slack documents for them
# (docs.slack.dev/reference/events/app_home_opened: none)
_EVENTS_NOT_IN_SPEC: dict[str, set[str]] = {"app_home_opened": set()}
# Web API methods newer than the spec file (files_upload_v2's steps), with their documented
# scopes (docs.slack.dev/reference/methods/files.getUploadURLExternal, ...CompleteUploadExternal)
_METHODS_NOT_IN_SPEC: dict[str, set[str]] = {
    "files.getUploadURLExternal": {"files:write"},
    "files.completeUploadExternal": {"files:write"},
}


def _web_api_methods_called_by_the_bot() -> dict[str, list[str]]:
    """``{"chat.postMessage": ["bot/workflows.py", ...]}`` from the client calls in ``bot/``."""
    import inspect

    from slack_sdk.web.async_client import AsyncWebClient

    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for name in set(re.findall(r"\.([a-z]+(?:_[A-Za-z0-9]+)+)\(", path.read_text())):
            fn = getattr(AsyncWebClient, name, None)
            if fn is None or not callable(fn):
                continue
            source = inspect.getsource(fn)
            calls = re.findall(r'api_call\(\s*"([a-zA-Z.]+)"', source)
            # helpers such as files_upload_v2 call other client methods (one level down)
            for inner in re.findall(r"self\.([a-z]+(?:_[A-Za-z0-9]+)+)\(", source):
                inner_fn = getattr(AsyncWebClient, inner, None)
                if inner_fn is not None and callable(inner_fn):
                    calls += re.findall(r'api_call\(\s*"([a-zA-Z.]+)"', inspect.getsource(inner_fn))
            for method in calls:
                found.setdefault(method, []).append(str(path.relative_to(ROOT)))
    return found


def test_manifest_scopes_cover_every_web_api_method_the_bot_calls(shared: Path) -> None:
    import json

    spec = json.loads((shared / "specs/slack/web-api/slack_web_openapi_v2.json").read_text())
    m = yaml.safe_load((ROOT / "manifest.yml").read_text())
    scopes = set(m["oauth_config"]["scopes"]["bot"])
    called = _web_api_methods_called_by_the_bot()
    # the methods we know the bot uses are found (guards the scan itself)
    assert {"chat.postMessage", "chat.update", "conversations.info", "auth.test"} <= set(called)
    problems = []
    for method, where in sorted(called.items()):
        ops = spec["paths"].get("/" + method)
        needed: set[str] = set(_METHODS_NOT_IN_SPEC.get(method, set()))
        assert ops or method in _METHODS_NOT_IN_SPEC, (
            f"{method} (called in {where}) is not in Slack's Web API spec"
        )
        for op in (ops or {}).values():
            for sec in op.get("security") or []:
                needed |= {_LEGACY_SCOPES.get(s, s) for s in sec.get("slackAuth", [])}
        needed.discard("none")
        if not needed:
            continue
        if not needed & scopes:
            problems.append(f"{method} needs one of {sorted(needed)} (called in {where})")
        # conversation methods: the bot works in public and private channels
        for prefix in _CONVERSATION_TYPES:
            typed = {s for s in needed if s.startswith(prefix)}
            if typed and method != "conversations.open" and not typed & scopes:
                problems.append(f"{method} in {prefix[:-1]} needs {sorted(typed)}")
    # alerts DM managers: conversations.open on an im needs im:write
    if "conversations.open" in called and "im:write" not in scopes:
        problems.append("conversations.open (manager DMs) needs im:write")
    # downloads of url_private_download are not Web API methods but need files:read
    if "files:read" not in scopes:
        problems.append("file downloads need files:read")
    assert not problems, "\n".join(problems)
    unused = scopes - {"commands"} - _scopes_used(spec, called, m)
    assert not unused, f"manifest asks for scopes nothing uses: {sorted(unused)}"


def _scopes_used(
    spec: dict[str, Any], called: dict[str, list[str]], manifest: dict[str, Any]
) -> set[str]:
    used: set[str] = {"files:read"}
    for method in called:
        used |= _METHODS_NOT_IN_SPEC.get(method, set())
        for op in spec["paths"].get("/" + method, {}).values():
            for sec in op.get("security") or []:
                used |= {_LEGACY_SCOPES.get(s, s) for s in sec.get("slackAuth", [])}
    for event in manifest["settings"]["event_subscriptions"]["bot_events"]:
        used.add(_EVENT_SCOPES.get(event, ""))
    return used


def test_manifest_events_have_their_scopes_and_listeners(shared: Path) -> None:
    import json

    events_spec = json.loads(
        (shared / "specs/slack/events-api/slack_events_api_async_v1.json").read_text()
    )
    m = yaml.safe_load((ROOT / "manifest.yml").read_text())
    scopes = set(m["oauth_config"]["scopes"]["bot"])
    events_py = (ROOT / "bot/listeners/events.py").read_text()
    for event in m["settings"]["event_subscriptions"]["bot_events"]:
        # events_py names every subscribed event's listener (below)
        if event in _EVENTS_NOT_IN_SPEC:
            assert _EVENTS_NOT_IN_SPEC[event] <= scopes, event
            assert f'app.event("{event}")' in events_py
            continue
        # the spec names topics with dots: app_mention -> app.mention
        topic = events_spec["topics"].get(event.replace("_", "."))
        assert topic is not None, f"{event} is not a Slack event"
        required = set(topic["subscribe"].get("x-scopes-required") or [])
        required |= {_EVENT_SCOPES[event]} if event in _EVENT_SCOPES else set()
        assert required, f"no known scope for {event}"
        assert required <= scopes, f"{event} needs {sorted(required - scopes)}"
        # message.channels / message.groups arrive as "message"
        assert f'app.event("{event.split(".")[0]}")' in events_py or "re.compile" in events_py


def test_manifest_schema_fields() -> None:
    """The fields Slack's "create from manifest" needs, with the types it expects."""
    m = yaml.safe_load((ROOT / "manifest.yml").read_text())
    info = m["display_information"]
    assert 1 <= len(info["name"]) <= 35 and len(info.get("description", "")) <= 140
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", info.get("background_color", "#000000"))
    bot_user = m["features"]["bot_user"]
    assert 1 <= len(bot_user["display_name"]) <= 80 and isinstance(bot_user["always_online"], bool)
    for c in m["features"]["slash_commands"]:
        assert c["command"].startswith("/") and len(c["command"]) <= 32
        assert 1 <= len(c["description"]) <= 2000 and isinstance(c["should_escape"], bool)
        # Socket Mode: no url; HTTP mode adds one (docs/slack-setup.md)
        assert "url" not in c
    for s in m["features"]["shortcuts"]:
        assert s["type"] in ("message", "global") and len(s["name"]) <= 24
        assert len(s["callback_id"]) <= 255 and len(s["description"]) <= 150
    assert set(m["oauth_config"]["scopes"]) == {"bot"}
    settings = m["settings"]
    assert isinstance(settings["interactivity"]["is_enabled"], bool)
    assert settings["socket_mode_enabled"] is True
    assert "request_url" not in settings["event_subscriptions"]  # Socket Mode
    assert set(settings) <= {
        "event_subscriptions",
        "interactivity",
        "org_deploy_enabled",
        "socket_mode_enabled",
        "token_rotation_enabled",
        "allowed_ip_address_ranges",
        "is_hosted",
        "function_runtime",
        "siws_links",
        "incoming_webhooks",
    }


def test_compose_runs_postgres_and_two_http_replicas_behind_a_proxy() -> None:
    import yaml

    c = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = c["services"]
    assert set(services) == {"postgres", "bot1", "bot2", "proxy"}
    pg = services["postgres"]
    assert "pgdata:/var/lib/postgresql/data" in pg["volumes"] and "pgdata" in c["volumes"]
    assert "pg_isready" in str(pg["healthcheck"]["test"])
    ids = set()
    for name in ("bot1", "bot2"):
        bot = services[name]
        env = bot["environment"]
        assert env["BRANDBOT_MODE"] == "http"
        assert env["BRANDBOT_DATABASE_URL"].startswith("postgresql://brandbot:")
        assert env["BRANDBOT_DATABASE_URL"].endswith("@postgres:5432/brandbot")
        ids.add(env["BRANDBOT_REPLICA_ID"])
        assert "/readyz" in str(bot["healthcheck"]["test"])
        assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert bot["build"] == "." and bot["env_file"] == ".env"
    assert ids == {"bot1", "bot2"}  # distinct names in the job leases
    proxy = services["proxy"]
    assert proxy["healthcheck"] and "3000:80" in proxy["ports"]
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "server bot1:3000" in conf and "server bot2:3000" in conf
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]
    # every variable compose substitutes is documented
    example = (ROOT / ".env.example").read_text()
    for var in set(re.findall(r"\$\{(\w+)", (ROOT / "compose.yaml").read_text())):
        assert re.search(rf"^#?\s*{var}=", example, flags=re.M), var


def test_license_file_and_security_contact() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert project["authors"] == [{"name": "brandbot contributors"}]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License\n\nCopyright (c) 2026 brandbot contributors\n")
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in text
    # the image builds the wheel, which needs the license file
    assert re.search(r"^COPY .*\bLICENSE\b", (ROOT / "Dockerfile").read_text(), flags=re.M)
    security = (ROOT / "SECURITY.md").read_text()
    assert "private security advisory" in security and "`authors` in `pyproject.toml`" in security
