"""The one error path: a reference id for the user, the details (and the same id) in the log.

``ErrorReporter.report`` is called by bolt's error handler (``app.error``) and by the job queue
when a job fails for good. The apology goes only to a *verified* request's user (the app's error
handler passes no body unless bolt's middleware chain marked the request verified) and a
``response_url`` is used only when it points at Slack's webhook hosts (or a host the operator
configured, ``webhook_hosts``: never one a request body can add).

Secrets never reach the log or the terminal: ``SecretMasker`` is installed as a log record
factory, so every record from every logger is masked before any handler sees it, and
``output_masking`` wraps ``sys.stdout`` / ``sys.stderr`` so every ``print`` is masked
too. ``add_secrets`` registers values (every secret setting: Slack tokens, the signing secret,
``HF_TOKEN``) as soon as they are read, before any error message can quote them.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
import traceback
import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot import blocks
from bot.clients import is_slack_url, webhook
from bot.samples import record

log = logging.getLogger("bot.errors")

_TOKEN_RE = re.compile(r"\b(xox[abpers]|xapp|xoxe)-[A-Za-z0-9-]+")
_BEARER_RE = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")


class SecretMasker:
    """Masks Slack tokens (``xoxb-``, ``xapp-``, ...), bearer values and known secrets."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = tuple(
            sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)
        )

    def mask(self, text: str) -> str:
        # whole tokens first: a known secret that is a prefix of another token ("xapp-1" of
        # "xapp-1-A1-2-ffff") would otherwise leave the rest of that token behind
        text = _TOKEN_RE.sub(lambda m: m.group(1) + "-***", text)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return _BEARER_RE.sub(lambda m: m.group(1) + "***", text)


_installed: SecretMasker | None = None


def install_log_masking(secrets: Iterable[str] = ()) -> SecretMasker:
    """Mask secrets in every log record (message, arguments and formatted traceback)."""
    global _installed
    masker = SecretMasker([*secrets, *(_installed.secrets if _installed else ())])
    if _installed is None:
        base = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = base(*args, **kwargs)
            current = _installed
            if current is None:
                return record
            try:
                text = record.getMessage()
            except Exception:
                text = str(record.msg)
            record.msg, record.args = current.mask(text), None
            if record.exc_info and not record.exc_text:
                formatted = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
                record.exc_text = current.mask(formatted)
            return record

        logging.setLogRecordFactory(factory)
    _installed = masker
    return masker


SECRET_ENV_KEYS = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "HF_TOKEN")


def add_secrets(secrets: Iterable[str | None]) -> SecretMasker:
    """Add values to the installed masker (installing it if needed)."""
    return install_log_masking([s for s in secrets if s])


def current_masker() -> SecretMasker:
    return _installed or SecretMasker()


class _MaskedStream:
    """A text stream whose every write goes through the installed masker."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(current_masker().mask(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def output_masking(secrets: Iterable[str | None] = ()) -> Iterator[SecretMasker]:
    """While active, ``sys.stdout`` and ``sys.stderr`` (every ``print``) and the log are
    masked; the original streams are put back on the way out."""
    masker = add_secrets(secrets)
    out, err = sys.stdout, sys.stderr
    if not isinstance(out, _MaskedStream):
        sys.stdout = _MaskedStream(out)  # type: ignore[assignment]
    if not isinstance(err, _MaskedStream):
        sys.stderr = _MaskedStream(err)  # type: ignore[assignment]
    try:
        yield masker
    finally:
        sys.stdout, sys.stderr = out, err


def new_reference() -> str:
    return uuid.uuid4().hex[:10]


class ErrorReporter:
    def __init__(
        self, client: AsyncWebClient | None = None, *, webhook_hosts: Iterable[str] = ()
    ) -> None:
        self.client = client
        self.webhook_hosts = frozenset(webhook_hosts)
        self.reported: list[tuple[str, str]] = []  # (reference, error type) for tests and metrics

    async def report(
        self,
        error: BaseException,
        *,
        body: Mapping[str, Any] | None = None,
        where: str = "request",
        note: str | None = None,
    ) -> str:
        """Log ``error`` with a fresh reference id and tell the user (best effort); ``note``
        follows the apology (mrkdwn)."""
        ref = new_reference()
        record(self.reported, (ref, type(error).__name__))
        log.error(
            "error %s in %s: %s: %s",
            ref,
            where,
            type(error).__name__,
            error,
            exc_info=(type(error), error, error.__traceback__),
        )
        if body is not None:
            try:
                await self._tell_user(ref, body, note)
            except Exception as exc:  # never let the apology fail loudly
                log.warning("could not send the apology for %s: %s", ref, exc)
        return ref

    async def _tell_user(self, ref: str, body: Mapping[str, Any], note: str | None) -> None:
        msg = blocks.apology_message(ref, note)
        response_url = body.get("response_url")
        if isinstance(response_url, str) and response_url:
            if not is_slack_url(response_url, self.webhook_hosts):
                log.warning("apology for %s not sent: response_url is not a Slack host", ref)
                return
            await webhook(response_url, extra_hosts=self.webhook_hosts).send(
                text=msg["text"], blocks=msg["blocks"], response_type="ephemeral"
            )
            return
        user, channel = _user_and_channel(body)
        if self.client is not None and user and channel:
            thread = body.get("thread_ts")  # a job about a draft: in the draft's thread
            await self.client.chat_postEphemeral(
                channel=channel,
                user=user,
                text=msg["text"],
                blocks=msg["blocks"],
                thread_ts=thread if isinstance(thread, str) and thread else None,
            )


def _user_and_channel(body: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The person to apologise to and where, from a Slack payload or a job payload."""
    user = body.get("user_id") or body.get("user")
    channel = body.get("channel_id") or body.get("channel")
    event = body.get("event")
    if isinstance(event, Mapping):
        user = user or event.get("user")
        channel = channel or event.get("channel")
    if isinstance(user, Mapping):
        user = user.get("id")
    if isinstance(channel, Mapping):
        channel = channel.get("id")
    return (user if isinstance(user, str) else None, channel if isinstance(channel, str) else None)
