"""Typed settings from the environment and ``.env`` (python-dotenv), validated at start.

Every setting is listed, with a comment, in ``.env.example``. ``Settings.from_env`` collects *all*
problems and raises one ``SettingsError`` naming each variable, so a new user fixes their ``.env``
in one go. Secrets never appear in ``repr`` or in logs.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from analyzers import RemoteConfig

Mode = Literal["socket", "http"]

_SECRET_FIELDS = ("bot_token", "app_token", "signing_secret", "hf_token")
_REACTION_RE = re.compile(r"^[a-z0-9_+\-']{1,100}$")
_ID_RE = re.compile(r"^[A-Z0-9]{2,}$")
_CHANNEL_ID_RE = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_CHANNEL_NAME_RE = re.compile(r"^[^\s,#<>@|&]{1,80}$")
_LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
_MODEL_CHOICES = ("auto", "embedded", "none")
# Settings the analyzers library reads from the process environment itself (it knows nothing of
# ``.env``): validated here and exported by ``Settings.export_analyzer_env`` before models load.
ANALYZER_ENV_KEYS = ("BRANDBOT_DICTIONARY", "BRANDBOT_QUANTIZE", "BRANDBOT_MINILM_DIR")


class SettingsError(ValueError):
    """Invalid or missing settings; ``problems`` lists one line per variable."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"brandbot settings are invalid ({len(problems)} problem"
            f"{'s' if len(problems) != 1 else ''}); fix them in .env or the environment "
            f"(see .env.example):\n{lines}"
        )


@dataclass(frozen=True)
class ModelOptions:
    """Per-analyzer model choices, passed on to ``analyzers.ModelSettings``.

    ``backend`` ``auto`` loads the embedded models when they are installed and falls back to rules
    only; ``none`` never loads models. The ``*_model`` values are an embedded head name, a local
    directory or a Hugging Face model id (the latter needs network on first use), or a hosted
    model (``hf:``, ``https://``, ``tei+``); ``safety_model`` is a comma-separated list.
    """

    backend: str = "auto"
    sentiment_model: str | None = None
    ner_model: str | None = None
    tone_model: str | None = None
    safety_model: str | None = None  # comma-separated: one or more classifiers
    safety_labels: str | None = None  # their label maps (analyzers.safety_labels)
    device: str = "auto"  # auto / cpu / cuda
    precision: str = "auto"  # auto / int8 / fp32 / fp16
    threads: int | None = None


@dataclass(frozen=True)
class Settings:
    mode: Mode = "socket"
    bot_token: str | None = field(default=None, repr=False)
    app_token: str | None = field(default=None, repr=False)
    signing_secret: str | None = field(default=None, repr=False)
    hf_token: str | None = field(default=None, repr=False)
    host: str = "0.0.0.0"
    port: int = 3000
    guide_path: Path | None = None
    watched_channels: tuple[str, ...] = ()
    min_words: int = 20
    review_reaction: str = "mag"
    pass_reaction: str = "white_check_mark"
    needs_work_reaction: str = "warning"
    manager_ids: tuple[str, ...] = ()
    # issue 13: who may edit the channel policy and accept guide suggestions; who signs off
    admin_ids: tuple[str, ...] = ()
    approver_ids: tuple[str, ...] = ()  # empty: the managers
    digest_day: int = 0  # 0 Monday .. 6 Sunday
    digest_hour: int = 9
    digest_tz: str = "UTC"
    digest_to: tuple[str, ...] = ("dm", "channel")  # () = off
    dismiss_min_votes: int = 3
    dismiss_rate: float = 0.6
    guide_poll_s: float = 5.0  # 0: a guide edited on disk is not reloaded
    alert_channel: str | None = None
    alert_rate_per_s: float = 1.0
    alert_burst: int = 3
    db_path: Path = Path("brandbot.sqlite3")
    # issue 12: PostgreSQL for several replicas (None: the SQLite file at db_path)
    database_url: str | None = field(default=None, repr=False)
    history_store_text: bool = False
    history_days: int = 365  # 0 keeps the review history forever
    job_lease_s: float = 60.0
    replica_id: str = ""  # "" -> host:pid
    queue_size: int = 200
    workers: int = 4
    max_file_bytes: int = 5_000_000
    slack_api_url: str | None = None
    max_retry_after_s: float = 30.0
    local_socket: str = ""  # local review endpoint for `brandbot review`: "" default, "off"
    log_level: str = "INFO"
    models: ModelOptions = ModelOptions()
    # hosted inference (HF_TOKEN, BRANDBOT_HF_*, BRANDBOT_REMOTE_*, BRANDBOT_LOCAL_ONLY_*);
    # parsed and validated by analyzers.RemoteConfig.from_env
    remote: RemoteConfig | None = field(default=None, repr=False)
    # ANALYZER_ENV_KEYS that are set (environment over .env), for export_analyzer_env
    analyzer_env: tuple[tuple[str, str], ...] = ()

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        dotenv_path: str | os.PathLike[str] | None = ".env",
        require_tokens: bool = True,
    ) -> Settings:
        """Read settings from ``environ`` (default ``os.environ``) over the values in ``.env``.

        Real environment variables win over ``.env``. Raises ``SettingsError`` listing every
        problem. ``require_tokens=False`` skips the Slack credential checks (offline commands).
        """
        env: dict[str, str] = {}
        if dotenv_path is not None and Path(dotenv_path).is_file():
            env.update(_read_dotenv(Path(dotenv_path)))
        env.update(os.environ if environ is None else environ)
        from bot.errors import SECRET_ENV_KEYS, add_secrets

        add_secrets(env.get(k) for k in SECRET_ENV_KEYS)  # masked before any message quotes them
        add_secrets([database_password(env.get("BRANDBOT_DATABASE_URL"))])
        return _parse(env, require_tokens=require_tokens)

    def export_analyzer_env(self, environ: dict[str, str] | None = None) -> None:
        """Put the analyzers' own settings found in ``.env`` into the process environment
        (``os.environ`` by default), where ``analyzers`` reads them; a real environment
        variable is never replaced."""
        target = os.environ if environ is None else environ
        for key, value in self.analyzer_env:
            target.setdefault(key, value)

    # -- views ----------------------------------------------------------------------------------

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret value that is set (for the log filter), ``HF_TOKEN`` included."""
        values = [getattr(self, f) for f in _SECRET_FIELDS]
        values.append(self.remote.token if self.remote is not None else None)
        values.append(database_password(self.database_url))
        return tuple(v for v in values if v)

    @property
    def database(self) -> str:
        """What ``bot.storage.open_database`` opens: the PostgreSQL URL, else the SQLite file."""
        return self.database_url or str(self.db_path)

    @property
    def approvers(self) -> tuple[str, ...]:
        """Who may approve or request changes: ``BRANDBOT_APPROVER_IDS``, else the managers."""
        return self.approver_ids or self.manager_ids

    @property
    def has_slack_credentials(self) -> bool:
        if self.mode == "http":
            return bool(self.bot_token and self.signing_secret)
        return bool(self.bot_token and self.app_token)

    @property
    def api_base_url(self) -> str:
        url = self.slack_api_url or "https://slack.com/api/"
        return url if url.endswith("/") else url + "/"

    def __repr__(self) -> str:
        parts = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in _SECRET_FIELDS:
                shown = "None" if value is None else f"'{mask(value)}'"
            elif f.name == "database_url" and value:
                from bot.storage.database import redact_url

                shown = repr(redact_url(value))
            else:
                shown = repr(value)
            parts.append(f"{f.name}={shown}")
        return f"Settings({', '.join(parts)})"

    __str__ = __repr__


def mask(secret: str) -> str:
    """``xoxb-***`` style: keep a recognisable prefix, never the secret."""
    for prefix in ("xoxb-", "xapp-", "xoxp-", "xoxe-", "hf_"):
        if secret.startswith(prefix):
            return prefix + "***"
    return "***"


def database_password(url: str | None) -> str | None:
    """The password in a database URL (masked in logs like the other secrets)."""
    if not url:
        return None
    try:
        return urlsplit(url).password or None
    except ValueError:
        return None


def _read_dotenv(path: Path) -> dict[str, str]:
    """``.env`` values; a file that is not UTF-8 text is one clear ``SettingsError``."""
    import io

    from dotenv import dotenv_values

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SettingsError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:200]:
        raise SettingsError([f"{path} is UTF-16 text; save it as UTF-8 (without BOM)"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SettingsError(
            [f"{path} is not UTF-8 text (undecodable byte {exc.start}); save it as UTF-8"]
        ) from None
    values = dotenv_values(stream=io.StringIO(text))
    return {k: v for k, v in values.items() if v is not None}


def _parse(env: Mapping[str, str], *, require_tokens: bool) -> Settings:
    problems: list[str] = []

    def get(name: str) -> str | None:
        value = env.get(name)
        if value is None:
            return None
        value = value.strip()
        return value or None

    from analyzers import BoundedParser

    numbers = BoundedParser(get, problems)  # the one bounded-number parser (analyzers/bounds.py)
    integer, number = numbers.integer, numbers.number

    def id_list(name: str, prefixes: str) -> tuple[str, ...]:
        raw = get(name)
        if raw is None:
            return ()
        items = tuple(x.strip() for x in re.split(r"[,\s]+", raw) if x.strip())
        for item in items:
            if not (_ID_RE.match(item) and item[0] in prefixes):
                problems.append(
                    f"{name}: {item!r} is not a Slack id (expected ids starting with "
                    f"{' or '.join(prefixes)}, e.g. {prefixes[0]}0123ABCD)"
                )
        return items

    def channel_list(name: str) -> tuple[str, ...]:
        """Channel ids (``C0123ABCD``) stay as they are; names become ``#name`` (lower-case)."""
        out: list[str] = []
        for item in re.split(r"[,\s]+", get(name) or ""):
            item = item.strip()
            if not item:
                continue
            if item == "*" or (not item.startswith("#") and _CHANNEL_ID_RE.match(item)):
                out.append(item)
                continue
            bare = item.lstrip("#")
            if not _CHANNEL_NAME_RE.match(bare):
                problems.append(
                    f"{name}: {item!r} is neither a channel id (C0123ABCD) nor a channel name "
                    "(#launches: lower-case letters, digits, - and _, up to 80 characters)"
                )
                continue
            out.append("#" + bare.lower())
        return tuple(out)

    def flag(name: str, default: bool) -> bool:
        raw = get(name)
        if raw is None:
            return default
        value = raw.lower()
        if value in ("1", "true", "yes", "on"):
            return True
        if value in ("0", "false", "no", "off"):
            return False
        problems.append(f"{name}={raw!r} must be true or false")
        return default

    def reaction(name: str, default: str) -> str:
        raw = (get(name) or default).strip(":")
        if not _REACTION_RE.match(raw):
            problems.append(f"{name}={raw!r} is not an emoji name (like mag or eyes)")
            return default
        return raw

    mode_raw = (get("BRANDBOT_MODE") or "socket").lower()
    if mode_raw not in ("socket", "http"):
        problems.append(f"BRANDBOT_MODE={mode_raw!r} must be 'socket' or 'http'")
        mode_raw = "socket"
    mode: Mode = "http" if mode_raw == "http" else "socket"

    bot_token = get("SLACK_BOT_TOKEN")
    app_token = get("SLACK_APP_TOKEN")
    signing_secret = get("SLACK_SIGNING_SECRET")
    if bot_token and not bot_token.startswith("xoxb-"):
        problems.append("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
    if app_token and not app_token.startswith("xapp-"):
        problems.append("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
    if require_tokens:
        if not bot_token:
            problems.append(
                "SLACK_BOT_TOKEN is missing (OAuth & Permissions -> Bot User OAuth Token, xoxb-...)"
            )
        if mode == "socket" and not app_token:
            problems.append(
                "SLACK_APP_TOKEN is missing: Socket Mode needs an app-level token with the "
                "connections:write scope (Basic Information -> App-Level Tokens, xapp-...); "
                "or set BRANDBOT_MODE=http"
            )
        if mode == "http" and not signing_secret:
            problems.append(
                "SLACK_SIGNING_SECRET is missing: HTTP mode verifies every request with it "
                "(Basic Information -> Signing Secret)"
            )

    port = integer("PORT", 3000, 1, 65535)
    guide_raw = get("BRANDBOT_GUIDE")
    guide_path = Path(guide_raw).expanduser() if guide_raw else None
    if guide_path is not None and not guide_path.is_file():
        problems.append(f"BRANDBOT_GUIDE={guide_raw!r}: no such file")

    watched = channel_list("BRANDBOT_WATCHED_CHANNELS")
    alert_channel = get("BRANDBOT_ALERT_CHANNEL")
    if alert_channel and not (_ID_RE.match(alert_channel) and alert_channel[0] in "CG"):
        problems.append(
            f"BRANDBOT_ALERT_CHANNEL={alert_channel!r} must be a channel id (C... or G...); "
            "right-click the channel -> View channel details -> copy the id at the bottom"
        )

    api_url = get("BRANDBOT_SLACK_API_URL")
    if api_url:
        parts = urlsplit(api_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(f"BRANDBOT_SLACK_API_URL={api_url!r} must be an http(s) URL")

    database_url = get("BRANDBOT_DATABASE_URL")
    if database_url:
        from bot.storage.database import is_postgres_url, redact_url

        if not (is_postgres_url(database_url) or database_url.startswith("sqlite:///")):
            problems.append(
                f"BRANDBOT_DATABASE_URL={redact_url(database_url)!r} must be a PostgreSQL URL "
                "(postgresql://user:password@host:5432/brandbot) or sqlite:///path; leave it "
                "empty for the SQLite file at BRANDBOT_DB_PATH"
            )
            database_url = None

    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    day_raw = (get("BRANDBOT_DIGEST_DAY") or "mon").lower()[:3]
    if day_raw not in days:
        problems.append(
            f"BRANDBOT_DIGEST_DAY={get('BRANDBOT_DIGEST_DAY')!r} must be a weekday (mon ... sun)"
        )
        day_raw = "mon"
    digest_tz = get("BRANDBOT_DIGEST_TZ") or "UTC"
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(digest_tz)
    except Exception:
        problems.append(
            f"BRANDBOT_DIGEST_TZ={digest_tz!r} is not a time zone (like UTC or Europe/Berlin)"
        )
        digest_tz = "UTC"
    digest_to_raw = (get("BRANDBOT_DIGEST_TO") or "dm,channel").lower()
    digest_to = tuple(x for x in re.split(r"[,\s]+", digest_to_raw) if x)
    if digest_to == ("off",):
        digest_to = ()
    elif not digest_to or any(x not in ("dm", "channel") for x in digest_to):
        problems.append(
            f"BRANDBOT_DIGEST_TO={digest_to_raw!r} must be dm, channel, dm,channel or off"
        )
        digest_to = ("dm", "channel")

    log_level = (get("BRANDBOT_LOG_LEVEL") or get("LOG_LEVEL") or "INFO").upper()
    if log_level not in _LOG_LEVELS:
        problems.append(f"BRANDBOT_LOG_LEVEL={log_level!r} must be one of {', '.join(_LOG_LEVELS)}")
        log_level = "INFO"

    backend = (get("BRANDBOT_MODELS") or "auto").lower()
    if backend not in _MODEL_CHOICES:
        problems.append(f"BRANDBOT_MODELS={backend!r} must be one of {', '.join(_MODEL_CHOICES)}")
        backend = "auto"
    device = (get("BRANDBOT_DEVICE") or "auto").lower()
    if device not in ("auto", "cpu", "cuda"):
        problems.append(f"BRANDBOT_DEVICE={device!r} must be auto, cpu or cuda")
        device = "auto"
    precision = (get("BRANDBOT_PRECISION") or "auto").lower()
    if precision not in ("auto", "int8", "fp32", "fp16"):
        problems.append(f"BRANDBOT_PRECISION={precision!r} must be auto, int8, fp32 or fp16")
        precision = "auto"
    threads_raw = get("BRANDBOT_THREADS")
    threads = integer("BRANDBOT_THREADS", 0, 1, 256) if threads_raw else None

    dictionary = get("BRANDBOT_DICTIONARY")
    if dictionary:
        dic = Path(dictionary).expanduser()
        if not (dic.is_file() and dic.with_suffix(".aff").is_file()):
            problems.append(
                f"BRANDBOT_DICTIONARY={dictionary!r} must name a Hunspell .dic file with its "
                f".aff beside it ({dic.with_suffix('.aff').name})"
            )
    minilm = get("BRANDBOT_MINILM_DIR")
    if minilm and not Path(minilm).expanduser().is_dir():
        problems.append(f"BRANDBOT_MINILM_DIR={minilm!r}: no such folder")
    quantize = get("BRANDBOT_QUANTIZE")
    if quantize and quantize.lower() not in ("0", "1", "true", "false", "yes", "no", "int8"):
        problems.append(f"BRANDBOT_QUANTIZE={quantize!r} must be true or false")
    analyzer_env = tuple((k, str(get(k))) for k in ANALYZER_ENV_KEYS if get(k))

    from analyzers import RemoteConfig, RemoteConfigError

    try:
        remote: RemoteConfig | None = RemoteConfig.from_env(env)
    except RemoteConfigError as exc:
        problems.extend(exc.problems)
        remote = None

    settings = Settings(
        mode=mode,
        bot_token=bot_token,
        app_token=app_token,
        signing_secret=signing_secret,
        hf_token=get("HF_TOKEN"),
        host=get("HOST") or "0.0.0.0",
        port=port,
        guide_path=guide_path,
        watched_channels=watched,
        min_words=integer("BRANDBOT_MIN_WORDS", 20, 1, 100_000),
        review_reaction=reaction("BRANDBOT_REVIEW_REACTION", "mag"),
        pass_reaction=reaction("BRANDBOT_PASS_REACTION", "white_check_mark"),
        needs_work_reaction=reaction("BRANDBOT_NEEDS_WORK_REACTION", "warning"),
        manager_ids=id_list("BRANDBOT_MANAGER_IDS", "UW"),
        admin_ids=id_list("BRANDBOT_ADMIN_IDS", "UW"),
        approver_ids=id_list("BRANDBOT_APPROVER_IDS", "UW"),
        digest_day=days.index(day_raw),
        digest_hour=integer("BRANDBOT_DIGEST_HOUR", 9, 0, 23),
        digest_tz=digest_tz,
        digest_to=digest_to,
        dismiss_min_votes=integer("BRANDBOT_DISMISS_MIN_VOTES", 3, 1, 10_000),
        dismiss_rate=number("BRANDBOT_DISMISS_RATE", 0.6, 0.0, 1.0),
        guide_poll_s=number("BRANDBOT_GUIDE_POLL", 5.0, 0.0, 3600.0),
        alert_channel=alert_channel,
        alert_rate_per_s=number("BRANDBOT_ALERT_RATE", 1.0, 0.01, 100.0),
        alert_burst=integer("BRANDBOT_ALERT_BURST", 3, 1, 1000),
        db_path=_db_path(get("BRANDBOT_DB_PATH"), get("BRANDBOT_DATA_DIR")),
        database_url=database_url,
        history_store_text=flag("BRANDBOT_HISTORY_STORE_TEXT", False),
        history_days=integer("BRANDBOT_HISTORY_DAYS", 365, 0, 100_000),
        job_lease_s=number("BRANDBOT_JOB_LEASE", 60.0, 2.0, 3600.0),
        replica_id=get("BRANDBOT_REPLICA_ID") or "",
        queue_size=integer("BRANDBOT_QUEUE_SIZE", 200, 1, 1_000_000),
        workers=integer("BRANDBOT_WORKERS", 4, 1, 256),
        max_file_bytes=integer("BRANDBOT_MAX_FILE_BYTES", 5_000_000, 1, 100_000_000),
        slack_api_url=api_url,
        max_retry_after_s=number("BRANDBOT_MAX_RETRY_AFTER", 30.0, 0.0, 3600.0),
        local_socket=get("BRANDBOT_LOCAL_SOCKET") or "",
        log_level=log_level,
        models=ModelOptions(
            backend=backend,
            sentiment_model=get("BRANDBOT_SENTIMENT_MODEL"),
            ner_model=get("BRANDBOT_NER_MODEL"),
            tone_model=get("BRANDBOT_TONE_MODEL"),
            safety_model=get("BRANDBOT_SAFETY_MODEL"),
            safety_labels=get("BRANDBOT_SAFETY_LABELS"),
            device=device,
            precision=precision,
            threads=threads,
        ),
        remote=remote,
        analyzer_env=analyzer_env,
    )
    if problems:
        raise SettingsError(problems)
    return settings


def _db_path(raw: str | None, data_dir: str | None) -> Path:
    """``BRANDBOT_DB_PATH`` (default ``brandbot.sqlite3``); a relative path is taken in
    ``BRANDBOT_DATA_DIR`` when that is set (the Docker image sets ``/data``, its volume), so a
    ``.env`` copied from ``.env.example`` cannot move the database out of the volume."""
    path = Path(raw or "brandbot.sqlite3").expanduser()
    if data_dir and not path.is_absolute():
        return Path(data_dir).expanduser() / path
    return path


def log_level_number(settings: Settings) -> int:
    return int(getattr(logging, settings.log_level, logging.INFO))
