"""Tests of the local Slack fake itself, driven by the real slack_sdk / slack_bolt clients."""

from __future__ import annotations

import asyncio
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
from fakeslack import FakeSlack, payloads
from fakeslack.blockkit import check_message
from fakeslack.server import ts_key
from fakeslack.signing import sign, signed_headers
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

pytestmark = pytest.mark.shared
pytest_plugins = ["fakeslack.fixtures"]


@pytest.fixture(autouse=True)
def _needs_spec(shared: Path) -> None:
    """The spec lives in ../shared; the fixture skips with a reason when it is absent."""


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def kinds(fake: FakeSlack) -> list[str]:
    return [v.kind for v in fake.violations]


# ---------------------------------------------------------------------------- Web API + spec


async def test_spec_loaded_and_messages_threads_edits_reactions(fake_slack: FakeSlack) -> None:
    fake = fake_slack
    assert fake.spec_loaded
    client = fake.web_client()
    auth = await client.auth_test()
    assert auth["user_id"] == fake.bot_user_id and auth["bot_id"] == fake.bot_id

    draft = fake.post_as_user("C0DRAFTS", "Our new launch is great", user="U0ALICE")
    reply = await client.chat_postMessage(
        channel="C0DRAFTS", thread_ts=draft["ts"], text="score 80", blocks=[section("80")]
    )
    assert [m["ts"] for m in fake.thread_replies("C0DRAFTS", draft["ts"])] == [reply["ts"]]
    assert fake.get_message("C0DRAFTS", draft["ts"])["reply_count"] == 1  # type: ignore[index]
    # a reply addressed to a reply lands in the parent's thread, as in Slack
    await client.chat_postMessage(channel="C0DRAFTS", thread_ts=reply["ts"], text="second")
    assert len(await fake.wait_for_messages("C0DRAFTS", 2, thread_ts=draft["ts"])) == 2

    replies = await client.conversations_replies(channel="C0DRAFTS", ts=draft["ts"])
    assert replies["messages"][0]["ts"] == draft["ts"]
    assert len(replies["messages"]) == 3
    history = await client.conversations_history(channel="C0DRAFTS")
    assert [m["ts"] for m in history["messages"]] == [draft["ts"]]  # replies are not top level

    await client.chat_update(channel="C0DRAFTS", ts=reply["ts"], text="score 90", blocks=[])
    assert fake.get_message("C0DRAFTS", reply["ts"])["text"] == "score 90"  # type: ignore[index]
    assert len(fake.updates) == 1

    await client.reactions_add(channel="C0DRAFTS", timestamp=draft["ts"], name="eyes")
    assert fake.reactions_on("C0DRAFTS", draft["ts"]) == {"eyes": [fake.bot_user_id]}
    with pytest.raises(SlackApiError) as err:
        await client.reactions_add(channel="C0DRAFTS", timestamp=draft["ts"], name="eyes")
    assert err.value.response["error"] == "already_reacted"
    got = await client.reactions_get(channel="C0DRAFTS", timestamp=draft["ts"])
    assert got["message"]["reactions"][0]["count"] == 1
    await client.reactions_remove(channel="C0DRAFTS", timestamp=draft["ts"], name="eyes")
    assert fake.reactions_on("C0DRAFTS", draft["ts"]) == {}

    link = await client.chat_getPermalink(channel="C0DRAFTS", message_ts=reply["ts"])
    assert f"thread_ts={draft['ts']}" in link["permalink"]
    await client.chat_delete(channel="C0DRAFTS", ts=reply["ts"])
    assert fake.get_message("C0DRAFTS", reply["ts"]) is None and len(fake.deleted) == 1
    with pytest.raises(SlackApiError) as err:
        await client.chat_delete(channel="C0DRAFTS", ts=draft["ts"])  # not the bot's message
    assert err.value.response["error"] == "cant_delete_message"

    eph = await client.chat_postEphemeral(channel="C0DRAFTS", user="U0ALICE", text="only you")
    assert eph["message_ts"] and fake.ephemerals[0]["user"] == "U0ALICE"
    user = await client.users_info(user="U0ALICE")
    assert user["user"]["id"] == "U0ALICE"
    info = await client.conversations_info(channel="C0DRAFTS")
    assert info["channel"]["is_member"]
    dm = await client.conversations_open(users="U0ALICE")
    assert dm["channel"]["id"].startswith("D")
    assert fake.violations == []


async def test_spec_violations_recorded_and_answered(fake_slack: FakeSlack) -> None:
    fake = fake_slack
    fake.check_violations_on_exit = False
    client = fake.web_client()

    with pytest.raises(SlackApiError) as err:  # channel is required by the spec
        await client.api_call("chat.postMessage", json={"text": "hello"})
    assert err.value.response["error"] == "invalid_arguments"
    assert fake.violations[-1].kind == "missing_param" and "'channel'" in fake.violations[-1].detail

    with pytest.raises(SlackApiError) as err:
        await client.api_call("chat.postMesage", json={"channel": "C1", "text": "typo"})
    assert err.value.response["error"] == "unknown_method"

    with pytest.raises(SlackApiError):  # GET to a write method
        await client.api_call(
            "chat.postMessage", http_verb="GET", params={"channel": "C1", "text": "x"}
        )
    assert fake.violations[-1].kind == "http_method"

    with pytest.raises(SlackApiError):  # JSON body to a method that does not take JSON
        await client.api_call("conversations.history", json={"channel": "C1"})
    assert fake.violations[-1].kind == "json_body"

    with pytest.raises(SlackApiError):  # required by Slack's docs, optional in the spec
        await client.api_call("conversations.replies", http_verb="GET", params={"channel": "C1"})
    assert "Slack docs" in fake.violations[-1].detail

    # POST with form fields to a GET method is what slack_sdk does: allowed
    ok = await client.api_call("auth.test")
    assert ok["ok"]
    assert kinds(fake) == [
        "missing_param",
        "unknown_method",
        "http_method",
        "json_body",
        "missing_param",
    ]


async def test_tokens(fake_slack: FakeSlack) -> None:
    fake = fake_slack
    fake.check_violations_on_exit = False
    with pytest.raises(SlackApiError) as err:
        await fake.web_client(token="xoxb-wrong").auth_test()
    assert err.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as err:
        await fake.web_client().apps_connections_open(app_token=fake.bot_token)
    assert err.value.response["error"] == "not_allowed_token_type"
    opened = await fake.web_client().apps_connections_open(app_token=fake.app_token)
    assert opened["url"].startswith(f"ws://127.0.0.1:{fake.port}/link/")
    # the token may also travel as a form field
    async with aiohttp.ClientSession() as s:
        async with s.post(fake.base_url + "auth.test", data={"token": fake.bot_token}) as resp:
            assert (await resp.json())["ok"]
        async with s.post(fake.base_url + "auth.test") as resp:
            assert (await resp.json())["error"] == "not_authed"
    assert kinds(fake) == ["auth", "auth", "auth"]


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
async def test_block_kit_limits(fake_slack: FakeSlack) -> None:
    fake = fake_slack
    fake.check_violations_on_exit = False
    client = fake.web_client()
    too_many = [section(f"b{i}") for i in range(51)]
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel="C1", text="fallback", blocks=too_many)
    assert err.value.response["error"] == "invalid_blocks"
    assert "51 blocks" in fake.violations[-1].detail

    long_header = [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]
    with pytest.raises(SlackApiError):
        await client.chat_postMessage(channel="C1", text="fallback", blocks=long_header)
    assert any("header text 151" in v.detail for v in fake.violations)
    assert any("validate_json" in v.detail for v in fake.violations)  # slack_sdk agrees

    # missing fallback text: Slack posts it, the fake records it
    posted = await client.chat_postMessage(channel="C1", blocks=[section("no fallback")])
    assert posted["ok"] and fake.violations[-1].detail.startswith("blocks sent without")
    assert fake.channel_messages("C1")[-1]["ts"] == posted["ts"]

    errors, _, _ = check_message(
        {
            "text": "t",
            "blocks": [
                section("x" * 3001),
                {"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11},
                {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11},
                {"type": "nonsense"},
            ],
        }
    )
    joined = " | ".join(errors)
    for needle in ("3001 chars", "11 fields", "11 elements", "unknown block type"):
        assert needle in joined
    assert check_message({"text": "ok", "blocks": [section("fine")]}) == ([], [], [section("fine")])


# ---------------------------------------------------------------------------- faults


async def test_rate_limit_observed_by_retry_handler(fake_slack: FakeSlack) -> None:
    fake = fake_slack
    fake.rate_limit("chat.postMessage", times=1, retry_after=0)
    plain = fake.web_client(retry_handlers=[])
    with pytest.raises(SlackApiError) as err:
        await plain.chat_postMessage(channel="C1", text="first")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "0"

    fake.rate_limit("chat.postMessage", times=2, retry_after=0)
    client = fake.web_client(retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=3)])
    posted = await client.chat_postMessage(channel="C1", text="delivered")
    assert posted["ok"]
    assert fake.counters["rate_limited"] == 3
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 429, 429, 200]
    assert [m["text"] for m in fake.bot_messages("C1")] == ["delivered"]


async def test_slow_and_dropped_connections(fake_slack: FakeSlack) -> None:
    fake = fake_slack
    fake.slow("auth.test", 0.3, times=1)
    t0 = time.monotonic()
    await fake.web_client().auth_test()
    assert time.monotonic() - t0 >= 0.3 and fake.counters["slowed"] == 1

    fake.fail_connections("auth.test", times=1)
    with pytest.raises(aiohttp.ClientError):
        await fake.web_client(retry_handlers=[]).auth_test()
    fake.fail_connections("auth.test", times=1)
    assert (await fake.web_client().auth_test())["ok"]  # slack_sdk's default handler retries
    assert fake.counters["dropped"] == 2


# ---------------------------------------------------------------------------- Socket Mode


class Received:
    """A SocketModeClient listener that records requests and acks them."""

    def __init__(self, delay: float = 0.0) -> None:
        self.requests: list[SocketModeRequest] = []
        self.delay = delay

    async def __call__(self, client: SocketModeClient, req: SocketModeRequest) -> None:
        self.requests.append(req)
        if self.delay:
            await asyncio.sleep(self.delay)
        payload = {"text": "ok"} if req.type == "slash_commands" else None
        await client.send_socket_mode_response(
            SocketModeResponse(envelope_id=req.envelope_id, payload=payload)
        )


@pytest_asyncio.fixture
async def socket_client(fake_slack: FakeSlack) -> AsyncIterator[tuple[SocketModeClient, Received]]:
    client = fake_slack.socket_mode_client(ping_interval=0.2)
    received = Received(delay=0.05)
    client.socket_mode_request_listeners.append(received)
    await client.connect()
    await fake_slack.wait_for_socket()
    try:
        yield client, received
    finally:
        await client.close()


async def test_socket_hello_envelope_ack(
    fake_slack: FakeSlack, socket_client: tuple[SocketModeClient, Received]
) -> None:
    fake, (_, received) = fake_slack, socket_client
    ev = fake.post_as_user("C0DRAFTS", "a draft")
    d = await fake.send_event(ev)
    ack = await d.wait_acked()
    assert ack.envelope_id == d.envelope_id and ack.transport == "socket"
    assert 0.05 <= ack.latency < 2
    [req] = received.requests
    assert req.type == "events_api" and req.retry_attempt == 0 and req.retry_reason == ""
    assert req.payload["event"]["ts"] == ev["ts"] and req.payload["event_id"] == d.event_id
    assert req.accepts_response_payload is False

    cmd = await fake.send_command("some draft")
    cmd_ack = await cmd.wait_acked()
    assert cmd_ack.payload == {"text": "ok"}
    assert received.requests[-1].payload["response_url"] == cmd.response_url
    assert received.requests[-1].accepts_response_payload is True
    assert fake.counters["socket_connections"] == 1


async def test_socket_duplicates_and_retries(
    fake_slack: FakeSlack, socket_client: tuple[SocketModeClient, Received]
) -> None:
    fake, (_, received) = fake_slack, socket_client
    fake.duplicate_next_envelope(2)
    d = await fake.send_event(payloads.app_mention("C1", "<@U0FAKEBOT> check"))
    await fake.wait_for(lambda: len(received.requests) == 3)
    assert {r.envelope_id for r in received.requests} == {d.envelope_id}
    again = await fake.redeliver(d, retry_reason="timeout")
    await again.wait_acked()
    last = received.requests[-1]
    assert last.retry_attempt == 1 and last.retry_reason == "timeout"
    assert last.envelope_id != d.envelope_id and last.payload["event_id"] == d.event_id
    assert fake.counters["duplicates"] == 2 and fake.counters["redeliveries"] == 1
    await fake.wait_for(lambda: len(fake.acks) == 4)


async def test_socket_disconnect_refresh_and_abrupt_close_reconnect(
    fake_slack: FakeSlack, socket_client: tuple[SocketModeClient, Received]
) -> None:
    fake = fake_slack
    await fake.disconnect_socket(refresh=True)
    await fake.wait_for(lambda: fake.counters["socket_connections"] == 2)
    await fake.wait_for(lambda: len(fake._live_sockets()) == 1)
    d = await fake.send_event(payloads.message("C1", "after refresh"))
    await d.wait_acked()

    await fake.disconnect_socket(refresh=False)
    await fake.wait_for(lambda: fake.counters["socket_connections"] == 3, timeout=10)
    d = await fake.send_event(payloads.message("C1", "after drop"))
    await d.wait_acked()
    assert fake.counters["connections_open"] == 3
    assert fake.counters["disconnects"] == 2 and fake.counters["ws_closed_abruptly"] == 1


async def test_unacked_deliveries_are_redelivered(fake_slack: FakeSlack) -> None:
    fake = fake_slack
    client = fake.socket_mode_client()
    seen: list[int] = []

    async def only_retries(c: SocketModeClient, req: SocketModeRequest) -> None:
        seen.append(req.retry_attempt or 0)
        if req.retry_attempt:  # the "crashed" first attempt never acks
            await c.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))

    client.socket_mode_request_listeners.append(only_retries)
    await client.connect()
    try:
        first = await fake.send_event(payloads.message("C1", "one"))
        await fake.wait_for(lambda: seen == [0])
        with pytest.raises(TimeoutError):
            await fake.wait_all_acked(timeout=0.2)
        assert fake.unacked() == [first]
        [retry] = await fake.redeliver_unacked()
        await retry.wait_acked()
        assert seen == [0, 1] and retry.event_id == first.event_id
        assert fake.unacked() == [first]  # the lost attempt stays unacked, as in Slack
    finally:
        await client.close()


async def test_wildcard_rate_limit(fake_slack: FakeSlack) -> None:
    fake = fake_slack
    fake.rate_limit("*", times=2, retry_after=0)
    client = fake.web_client(retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)])
    assert (await client.auth_test())["ok"]
    assert (await client.users_info(user="U0ALICE"))["ok"]
    assert [c.status for c in fake.calls] == [429, 429, 200, 200]


async def test_faults_on_response_url_and_downloads(fake_slack: FakeSlack) -> None:
    fake = fake_slack
    fake.rate_limit("*", times=5, retry_after=0)  # Web API only: not response_url or files
    hook = AsyncWebhookClient(fake.new_response_url())
    assert (await hook.send(text="through")).status_code == 200
    fake.clear_faults()
    fake.rate_limit("response_url", times=1, retry_after=3)
    limited = await hook.send(text="limited")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "3"
    file = fake.add_file("a.txt", b"abc")
    fake.fail_connections("files.download", times=2)  # aiohttp retries a GET once
    async with aiohttp.ClientSession() as s:
        with pytest.raises(aiohttp.ClientError):
            await s.get(file["url_private_download"])
        auth = {"Authorization": f"Bearer {fake.bot_token}"}
        async with s.get(file["url_private_download"], headers=auth) as resp:
            assert await resp.read() == b"abc"
    assert fake.counters["rate_limited"] == 1 and fake.counters["dropped"] == 2


# ---------------------------------------------------------------------------- HTTP mode


class SignedApp:
    """A minimal HTTP-mode endpoint that verifies signatures with slack_sdk's SignatureVerifier."""

    def __init__(self, secret: str) -> None:
        self.verifier = SignatureVerifier(secret)
        self.bodies: list[tuple[str, dict[str, str]]] = []

    async def handle(self, request: web.Request) -> web.Response:
        body = (await request.read()).decode()
        if not self.verifier.is_valid_request(body, dict(request.headers)):
            return web.Response(status=401)
        self.bodies.append((body, dict(request.headers)))
        if request.content_type == "application/json":
            return web.Response(status=200)
        return web.json_response({"text": "working on it"})


@pytest_asyncio.fixture
async def signed_app(fake_slack: FakeSlack) -> AsyncIterator[tuple[SignedApp, str]]:
    endpoint = SignedApp(fake_slack.signing_secret)
    app = web.Application()
    app.router.add_post("/slack/events", endpoint.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield endpoint, f"http://127.0.0.1:{port}/slack/events"
    finally:
        await runner.cleanup()


def test_signature_matches_slack_sdk() -> None:
    verifier = SignatureVerifier("s3cret")
    body = '{"type":"event_callback"}'
    ts = int(time.time())
    assert verifier.is_valid(body, str(ts), sign("s3cret", ts, body))
    headers = signed_headers("s3cret", body, retry_num=1, retry_reason="http_timeout")
    assert verifier.is_valid_request(body, headers)
    assert headers["X-Slack-Retry-Num"] == "1"
    assert not verifier.is_valid_request(body, signed_headers("s3cret", body, bad_signature=True))
    stale = signed_headers("s3cret", body, timestamp=ts - 600)
    assert not verifier.is_valid_request(body, stale)


async def test_http_mode_signed_deliveries(
    fake_slack: FakeSlack, signed_app: tuple[SignedApp, str]
) -> None:
    fake, (endpoint, url) = fake_slack, signed_app
    fake.use_http(url)
    d = await fake.send_event(payloads.message("C1", "hello"))
    ack = await d.wait_acked()
    assert ack.transport == "http" and d.status == 200 and ack.latency >= 0
    body, headers = endpoint.bodies[-1]
    assert json.loads(body)["event_id"] == d.event_id and "X-Slack-Retry-Num" not in headers

    retry = await fake.redeliver(d, retry_reason="http_timeout")
    await retry.wait_acked()
    assert endpoint.bodies[-1][1]["X-Slack-Retry-Num"] == "1"
    assert endpoint.bodies[-1][1]["X-Slack-Retry-Reason"] == "http_timeout"

    cmd = await fake.send_command("draft text")
    assert (await cmd.wait_acked()).payload == {"text": "working on it"}
    form = dict(urllib.parse.parse_qsl(endpoint.bodies[-1][0]))
    assert form["command"] == "/brandcheck" and form["response_url"] == cmd.response_url

    fake.post_as_user("C1", "shortcut me", ts="1700000000.000100")
    sc = await fake.send_shortcut("1700000000.000100", "C1")
    await sc.wait_acked()
    form = dict(urllib.parse.parse_qsl(endpoint.bodies[-1][0]))
    payload = json.loads(form["payload"])
    assert payload["type"] == "message_action" and payload["message"]["text"] == "shortcut me"

    raw = json.dumps(payloads.url_verification()).encode()
    bad = await fake.http_post(url, raw, "application/json", bad_signature=True)
    stale = await fake.http_post(url, raw, "application/json", stale=True)
    assert bad.status == 401 and stale.status == 401

    fake.use_socket()
    assert fake.transport == "socket"


# ---------------------------------------------------------------------------- response_url, files


async def test_response_url_records_and_limits(fake_slack: FakeSlack) -> None:
    fake = fake_slack
    fake.check_violations_on_exit = False
    url = fake.new_response_url("C1")
    hook = AsyncWebhookClient(url)
    first = await hook.send(text="review", blocks=[section("score 80")], response_type="ephemeral")
    assert first.status_code == 200
    await hook.send(text="public", response_type="in_channel")
    assert [m["text"] for m in fake.bot_messages("C1")] == ["public"]
    await hook.send(text="replaced", replace_original=True)
    await hook.send(delete_original=True)
    await hook.send(text="fifth")
    sixth = await hook.send(text="sixth")
    assert sixth.status_code == 404 and sixth.body == "used_url"
    posts = fake.responses_for(url)
    assert [p.response_type for p in posts[:2]] == ["ephemeral", "in_channel"]
    assert posts[2].replace_original and posts[3].delete_original
    assert kinds(fake) == ["response_url"]

    other = AsyncWebhookClient(fake.new_response_url())
    bad = await other.send(text="t", blocks=[section("x" * 3001)])
    assert bad.status_code == 400 and fake.violations[-1].kind == "block_kit"


async def test_file_downloads_need_the_token(fake_slack: FakeSlack) -> None:
    fake = fake_slack
    file = fake.add_file("draft.md", b"# Launch\nOur product rocks.", user="U0ALICE")
    info = await fake.web_client().files_info(file=file["id"])
    assert info["file"]["url_private_download"] == file["url_private_download"]
    assert info["file"]["mimetype"] == "text/markdown" and info["file"]["size"] == 27
    url = file["url_private_download"]
    auth = {"Authorization": f"Bearer {fake.bot_token}"}
    async with aiohttp.ClientSession() as s:
        async with s.get(url) as resp:  # no token: Slack's sign-in page, still 200
            assert resp.status == 200 and resp.content_type == "text/html"
        async with s.get(url, headers=auth) as resp:
            assert resp.status == 200 and await resp.read() == b"# Launch\nOur product rocks."

        login = fake.add_file("nope.txt", b"secret", download="login_page")
        async with s.get(login["url_private_download"], headers=auth) as resp:
            assert resp.status == 200 and "Sign in" in await resp.text()

        moved = fake.add_file("moved.txt", b"moved body", download="redirect")
        async with s.get(moved["url_private_download"], headers=auth) as resp:
            assert await resp.read() == b"moved body"  # aiohttp drops the token across origins
        assert fake.downloads[-1].redirected and not fake.downloads[-1].authorized
        assert fake.violations == []

        # a client that forwards the token by hand is caught
        async with s.get(moved["url_private_download"], headers=auth, allow_redirects=False) as r:
            location = r.headers["Location"]
        async with s.get(location, headers=auth) as resp:
            assert resp.status == 200
    assert [v.kind for v in fake.violations] == ["token_forwarded"]
    fake.violations.clear()
    assert [d.authorized for d in fake.downloads[:2]] == [False, True]


# ---------------------------------------------------------------------------- payload builders


def test_payload_builders_follow_slack_shapes(shared: Path) -> None:
    events_api = shared / "specs" / "slack" / "events-api"
    schema = json.loads((events_api / "slack_common_event_wrapper_schema.json").read_text())
    wrapper = payloads.event_callback(payloads.message("C1", "hi"))
    assert set(schema["required"]) <= set(wrapper)
    assert set(schema["properties"]["event"]["required"]) <= set(wrapper["event"])
    for ev in (
        payloads.bot_message("C1", "beep"),
        payloads.app_mention("C1", "<@U0FAKEBOT> hi"),
        payloads.reaction_added("C1", "1.2", "eyes"),
        payloads.file_shared("F1"),
        payloads.channel_join("C1", "U1"),
        payloads.message_deleted("C1", "1.2", {"ts": "1.2", "text": "x"}),
    ):
        assert {"type", "event_ts"} <= set(ev)
    edited = payloads.message_changed("C1", {"ts": "1.2", "text": "b"}, {"ts": "1.2", "text": "a"})
    assert edited["subtype"] == "message_changed" and edited["message"]["text"] == "b"
    tss = [payloads.new_ts() for _ in range(1000)]
    assert tss == sorted(tss, key=ts_key) and len(set(tss)) == 1000
    cmd = payloads.slash_command("hi", response_url="http://x/response/1")
    assert all(isinstance(v, str) for v in cmd.values())
    actions = payloads.block_actions("approve", value="1", channel="C1")
    assert actions["container"]["channel_id"] == "C1"


async def test_user_simulation_events(fake_slack: FakeSlack) -> None:
    fake = fake_slack
    ev = fake.post_as_user("C1", "draft v1", user="U0ALICE")
    changed = fake.edit_as_user("C1", ev["ts"], "draft v2")
    assert changed["message"]["text"] == "draft v2" and changed["previous_message"]["text"] == (
        "draft v1"
    )
    assert changed["message"]["ts"] == ev["ts"] and "edited" in changed["message"]
    reacted = fake.react_as_user("C1", ev["ts"], "mag")
    assert reacted["item"] == {"type": "message", "channel": "C1", "ts": ev["ts"]}
    assert fake.reactions_on("C1", ev["ts"]) == {"mag": ["U0REACTOR"]}
    mention = fake.app_mention_for(fake.post_as_user("C1", "<@U0FAKEBOT> look", thread_ts=ev["ts"]))
    assert mention["type"] == "app_mention" and mention["thread_ts"] == ev["ts"]
    upload = fake.upload_as_user("C1", "draft.txt", b"hello")
    assert upload["subtype"] == "file_share" and upload["files"][0]["channels"] == ["C1"]
    bot = fake.post_as_bot("C1", "from another bot")
    assert bot["subtype"] == "bot_message" and fake.bot_messages("C1") == []
    deleted = fake.delete_as_user("C1", ev["ts"])
    assert deleted["deleted_ts"] == ev["ts"] and fake.get_message("C1", ev["ts"]) is None


# ---------------------------------------------------------------------------- the real bolt app


async def test_real_bolt_app_socket_mode_end_to_end(fake_slack: FakeSlack) -> None:
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
    from slack_bolt.async_app import AsyncApp

    fake = fake_slack
    client = fake.web_client()
    app = AsyncApp(client=client)

    @app.event("message")
    async def on_message(event: dict[str, Any], say: Any) -> None:
        if event.get("subtype") is None:
            await say(text=f"reviewed: {event['text']}", thread_ts=event["ts"])

    @app.command("/brandcheck")
    async def on_command(ack: Any, respond: Any, command: dict[str, Any]) -> None:
        await ack()
        await respond(text=f"review of {command['text']}", blocks=[section("score 75")])

    handler = AsyncSocketModeHandler(app, fake.app_token, web_client=client)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    try:
        await fake.wait_for_socket()
        ev = fake.post_as_user("C0DRAFTS", "launch copy")
        d = await fake.send_event(ev)
        await d.wait_acked()
        [reply] = await fake.wait_for_messages("C0DRAFTS", 1, thread_ts=ev["ts"])
        assert reply["text"] == "reviewed: launch copy"

        cmd = await fake.send_command("my draft")
        await cmd.wait_acked()
        [post] = await fake.wait_for_response_posts(1)
        assert post.url == cmd.response_url and post.body["text"] == "review of my draft"

        joined = await fake.send_event(payloads.channel_join("C0DRAFTS", "U0NEW"))
        await joined.wait_acked()  # bolt acks events with no matching listener body
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
    assert fake.violations == []


async def test_real_bolt_app_http_mode_end_to_end(fake_slack: FakeSlack) -> None:
    from slack_bolt.async_app import AsyncApp

    fake = fake_slack
    app = AsyncApp(client=fake.web_client(), signing_secret=fake.signing_secret)

    @app.event("message")
    async def on_message(event: dict[str, Any], say: Any) -> None:
        if event.get("subtype") is None:
            await say(text="reviewed", thread_ts=event["ts"])

    @app.shortcut("check_brand_voice")
    async def on_shortcut(ack: Any, respond: Any, shortcut: dict[str, Any]) -> None:
        await ack()
        await respond(text=f"private review of {shortcut['message']['text']}")

    runner = web.AppRunner(app.web_app(path="/slack/events"))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}/slack/events"
    try:
        fake.use_http(url)
        ev = fake.post_as_user("C0DRAFTS", "http draft")
        d = await fake.send_event(ev)
        await d.wait_acked()
        await fake.wait_for_messages("C0DRAFTS", 1, thread_ts=ev["ts"])

        sc = await fake.send_shortcut(ev["ts"], "C0DRAFTS")
        await sc.wait_acked()
        [post] = await fake.wait_for_response_posts(1)
        assert post.body["text"] == "private review of http draft"

        body = json.dumps(payloads.event_callback(payloads.message("C0DRAFTS", "x"))).encode()
        bad = await fake.http_post(url, body, "application/json", bad_signature=True)
        stale = await fake.http_post(url, body, "application/json", stale=True)
        assert bad.status == 401 and stale.status == 401
    finally:
        await runner.cleanup()
    assert fake.violations == []


def test_event_ids_differ_between_runs_of_the_fake() -> None:
    # a bot that keeps its journal between two runs of the fake must not see a repeat
    import subprocess
    import sys

    code = "from tests.fakeslack.payloads import new_event_id; print(new_event_id())"
    ids = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(2)
    }
    assert len(ids) == 2 and all(i.startswith("Ev") for i in ids)
