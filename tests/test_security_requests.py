"""Issue 8, severe 1: an unsigned or malformed HTTP request never acts.

The real app (``bot.app.build_bot`` + ``bot.runners.start_http``) against the local Slack, plus a
canary server standing in for an internal URL: every member of the malformed-header family
(non-numeric, empty, huge, negative, fractional and duplicated timestamps and signatures) is a
plain 401, and nothing is posted to Slack, to the canary or to any response_url; no job is
journalled, no review runs and the error handler is never reached.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from botkit import BAD, FakeReviewer, running
from fakeslack.fixtures import fake_slack  # noqa: F401
from fakeslack.signing import sign
from multidict import CIMultiDict

from bot.app import VERIFIED
from bot.clients import UntrustedURL, is_slack_url, webhook
from bot.errors import ErrorReporter
from bot.signing import verify_request


class Canary:
    """An internal URL the attacker would like the bot to call."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> Canary:
        async def hit(request: web.Request) -> web.Response:
            self.hits.append(request.path)
            return web.Response(text="ok")

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", hit)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/internal/admin"
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


@pytest_asyncio.fixture
async def canary() -> AsyncIterator[Canary]:
    c = await Canary().start()
    try:
        yield c
    finally:
        await c.stop()


def _bodies(fake: Any, canary_url: str) -> list[tuple[bytes, str]]:
    command = {
        "command": "/brandcheck",
        "text": BAD,
        "user_id": "U0AUTHOR",
        "channel_id": "C0GENERAL",
        "team_id": fake.team_id,
        "response_url": canary_url,
        "trigger_id": "1.2.x",
    }
    event = {
        "type": "event_callback",
        "team_id": fake.team_id,
        "event_id": "Ev0EVIL",
        "event": {
            "type": "message",
            "channel": "C0DRAFTS",
            "user": "U0AUTHOR",
            "text": BAD,
            "ts": "1700000000.000100",
        },
        "response_url": canary_url,
        "user_id": "U0AUTHOR",
        "channel_id": "C0GENERAL",
    }
    form = "application/x-www-form-urlencoded"
    return [
        (json.dumps({"response_url": canary_url}).encode(), "application/json"),
        (
            json.dumps(
                {"response_url": canary_url, "user_id": "U0AUTHOR", "channel_id": "C0GENERAL"}
            ).encode(),
            "application/json",
        ),
        (urllib.parse.urlencode(command).encode(), form),
        (json.dumps(event).encode(), "application/json"),
    ]


def _header_family(secret: str, body: bytes) -> list[tuple[str, list[tuple[str, str]]]]:
    now = int(time.time())
    good_ts = str(now)
    good_sig = sign(secret, good_ts, body)
    ts, sig = "X-Slack-Request-Timestamp", "X-Slack-Signature"
    huge = "9" * 5000
    return [
        ("non-numeric timestamp", [(ts, "x"), (sig, "v0=00")]),
        ("empty timestamp", [(ts, ""), (sig, good_sig)]),
        ("huge timestamp", [(ts, huge), (sig, sign(secret, huge, body))]),
        ("negative timestamp", [(ts, "-1"), (sig, sign(secret, "-1", body))]),
        ("negative now", [(ts, f"-{now}"), (sig, sign(secret, f"-{now}", body))]),
        ("float timestamp", [(ts, f"{now}.5"), (sig, sign(secret, f"{now}.5", body))]),
        ("spaced timestamp", [(ts, f" {now}"), (sig, sign(secret, f" {now}", body))]),
        ("unicode digits", [(ts, "١٢٣"), (sig, sign(secret, "123", body))]),
        ("duplicated timestamp", [(ts, good_ts), (ts, good_ts), (sig, good_sig)]),
        ("duplicated timestamp, one bad", [(ts, "x"), (ts, good_ts), (sig, good_sig)]),
        ("duplicated signature", [(ts, good_ts), (sig, good_sig), (sig, good_sig)]),
        ("duplicated signature, one bad", [(ts, good_ts), (sig, "v0=00"), (sig, good_sig)]),
        ("no timestamp", [(sig, good_sig)]),
        ("no signature", [(ts, good_ts)]),
        ("empty signature", [(ts, good_ts), (sig, "")]),
        ("huge signature", [(ts, good_ts), (sig, "v0=" + "a" * 8000)]),
        ("upper-case signature", [(ts, good_ts), (sig, good_sig.upper())]),
        ("v1 signature", [(ts, good_ts), (sig, "v1=" + good_sig[3:])]),
        ("wrong secret", [(ts, good_ts), (sig, sign(secret + "x", good_ts, body))]),
        ("stale", [(ts, str(now - 600)), (sig, sign(secret, str(now - 600), body))]),
        ("future", [(ts, str(now + 600)), (sig, sign(secret, str(now + 600), body))]),
    ]


def _nothing_acted(fake: Any, h: Any, reviewer: FakeReviewer, canary: Canary) -> None:
    assert canary.hits == []
    assert [c.method for c in fake.calls if c.method != "auth.test"] == []
    assert fake.response_posts == [] and fake.ephemerals == []
    assert reviewer.calls == []
    assert h.bot.ctx.reporter.reported == []
    assert h.bot.ctx.store.job_counts() in ({}, {"done": 0})


async def test_malformed_signature_headers_never_act(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
    canary: Canary,
) -> None:
    fake = fake_slack
    reviewer = FakeReviewer()
    async with running(fake, tmp_path, "http", reviewer) as h:
        async with aiohttp.ClientSession() as session:
            tried = 0
            for body, ctype in _bodies(fake, canary.url):
                for label, pairs in _header_family(fake.signing_secret, body):
                    headers = CIMultiDict([("Content-Type", ctype), *pairs])
                    async with session.post(
                        f"{h.url}/slack/events", data=body, headers=headers
                    ) as resp:
                        assert resp.status == 401, (label, resp.status, await resp.text())
                    tried += 1
        assert tried == 4 * 21
        await h.idle()
        _nothing_acted(fake, h, reviewer, canary)

        # the control: the same command, correctly signed, is acted on
        body, ctype = _bodies(fake, fake.new_response_url("C0GENERAL"))[2]
        res = await fake.http_post(f"{h.url}/slack/events", body, ctype)
        assert res.status == 200
        await h.idle()
        assert reviewer.calls, "a signed command must be reviewed"


async def test_bolt_error_handler_ignores_unverified_bodies(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
    canary: Canary,
) -> None:
    """Behind the gate too: if a malformed request reached bolt directly, its verifier raises,
    bolt calls the error handler with the unverified body, and the handler must not act."""
    from slack_bolt.request.async_request import AsyncBoltRequest

    fake = fake_slack
    reviewer = FakeReviewer()
    async with running(fake, tmp_path, "http", reviewer) as h:
        no_url = json.dumps({"user_id": "U0AUTHOR", "channel_id": "C0GENERAL"}).encode()
        for body in [no_url, *(b for b, _ in _bodies(fake, canary.url)[:2])]:
            req = AsyncBoltRequest(
                body=body.decode(),
                headers={
                    "x-slack-request-timestamp": "x",
                    "x-slack-signature": "v0=00",
                    "content-type": "application/json",
                },
            )
            resp = await h.bot.app.async_dispatch(req)
            assert resp.status >= 400
            assert VERIFIED not in req.context
        await h.idle()
        assert len(h.bot.ctx.reporter.reported) == 3  # logged with a reference id...
        # ...but nobody was answered
        assert canary.hits == [] and fake.ephemerals == [] and fake.response_posts == []
        assert [c.method for c in fake.calls if c.method != "auth.test"] == []


async def test_error_reporter_posts_only_to_slack_hosts(canary: Canary) -> None:
    reporter = ErrorReporter(None)
    await reporter.report(RuntimeError("boom"), body={"response_url": canary.url})
    await reporter.report(
        RuntimeError("boom"), body={"response_url": "https://hooks.slack.com.evil.example/x"}
    )
    assert canary.hits == [] and len(reporter.reported) == 2


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9999/internal/admin",
        "http://hooks.slack.com/commands/T/1/x",
        "https://hooks.slack.com.evil.example/x",
        "https://user:pw@hooks.slack.com/x",
        "https://hooks.slack.com:8443/x",
        "https://evil.example/?https://hooks.slack.com/",
        "file:///etc/passwd",
        "",
        "https://hooks.slack.com:99999999/x",
    ],
)
def test_only_slack_webhook_urls(url: str) -> None:
    assert not is_slack_url(url)
    with pytest.raises(UntrustedURL):
        webhook(url)


def test_slack_webhook_and_configured_hosts() -> None:
    assert is_slack_url("https://hooks.slack.com/commands/T1/2/abc")
    assert is_slack_url("http://127.0.0.1:5000/response/1", {"127.0.0.1:5000"})
    assert not is_slack_url("http://127.0.0.1:5001/response/1", {"127.0.0.1:5000"})


def test_verify_request_never_raises_and_accepts_only_exact_headers() -> None:
    secret, body, now = "s3cret", b'{"a":1}', 1_700_000_000
    ts = str(now)
    good = {"x-slack-request-timestamp": [ts], "x-slack-signature": [sign(secret, ts, body)]}
    assert verify_request(secret, good, body, now=lambda: now)
    assert not verify_request(None, good, body, now=lambda: now)
    assert not verify_request(secret, good, body + b" ", now=lambda: now)
    for label, pairs in _header_family(secret, body):
        headers: dict[str, list[str]] = {}
        for k, v in pairs:
            headers.setdefault(k.lower(), []).append(v)
        assert not verify_request(secret, headers, body), label


async def test_a_trickled_unsigned_body_never_counts_as_a_delivery(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    """An unsigned client that announces 1 MB and sends one byte held the acknowledgement gate
    open for as long as it liked, and every background step waited on it (reviews 5x slower,
    an independent hostile pass). The body is read and verified before the gate now."""
    import asyncio

    fake = fake_slack
    async with running(fake, tmp_path, "http", FakeReviewer()) as h:
        port = int(h.url.rsplit(":", 1)[1])
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000000\r\n\r\n{"
        )
        await writer.drain()
        await asyncio.sleep(0.3)  # the server is reading the body
        assert h.bot.ctx.gate.in_flight == 0
        writer.close()
        await writer.wait_closed()
        await asyncio.sleep(0.2)
        assert h.bot.ctx.gate.in_flight == 0
        await h.idle()
