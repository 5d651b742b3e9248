"""``python -m tests.fakeslack``: the local Slack, standalone, for trying the bot without Slack.

Starts ``FakeSlack`` on a fixed port, prints the ``.env`` lines that point ``brandbot serve`` at
it, then reads commands from stdin and prints what the bot answered::

    /brandcheck We leverage synergy to beat the competition!   (a slash command; the private
                                                              answer is printed)
    post #drafts Our new product ...                          (a message in a channel; the
                                                              bot's thread reply is printed)
    help | quit

Socket Mode by default (the bot connects to the fake's websocket); ``--http URL`` delivers
signed requests to the bot's ``/slack/events`` instead. Every Web API call is still checked
against Slack's OpenAPI spec and Block Kit limits; violations are printed. Test code only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from typing import Any

from .server import FakeSlack, default_spec_path

HELP = """commands:
  /brandcheck TEXT        send the slash command (also: /brandcheck help, /brandcheck guide)
  post #CHANNEL TEXT      post TEXT as a person in a channel (name or id) and show the reply
  quit                    stop"""


def _text(msg: dict[str, Any] | None) -> str:
    """A message's fallback text and its blocks' text, as a person would read it."""
    if not msg:
        return "(empty)"
    parts = []
    for b in msg.get("blocks") or []:
        if isinstance(b.get("text"), dict):
            parts.append(str(b["text"].get("text", "")))
        parts += [str(f.get("text", "")) for f in b.get("fields", []) if isinstance(f, dict)]
        parts += [str(e.get("text", "")) for e in b.get("elements", []) if isinstance(e, dict)]
    return "\n".join(p for p in parts if p) or str(msg.get("text") or "(no text)")


def _indent(text: str) -> str:
    return "\n".join("  | " + line for line in text.splitlines())


class Console:
    def __init__(self, fake: FakeSlack, timeout: float) -> None:
        self.fake = fake
        self.timeout = timeout
        self.reported = 0

    async def ready(self) -> bool:
        if self.fake.transport == "http":
            return True
        if not self.fake.connected:
            print("waiting for brandbot to connect (start `brandbot serve`)...", flush=True)
        try:
            await self.fake.wait_for_socket(timeout=self.timeout)
        except TimeoutError:
            print("brandbot did not connect; is `brandbot serve` running with this .env?")
            return False
        return True

    async def command(self, line: str) -> None:
        name, _, text = line.partition(" ")
        if not await self.ready():
            return
        n = len(self.fake.response_posts)
        d = await self.fake.send_command(text.strip(), command=name)
        try:
            ack = await d.wait_acked(timeout=self.timeout)
        except (TimeoutError, AssertionError) as exc:
            print(f"no acknowledgement: {exc}")
            return
        print(f"acknowledged in {1000 * (d.ack_latency or 0):.0f} ms")
        if ack.payload:
            print(_indent(_text(ack.payload)))
            return
        try:
            await self.fake.wait_for_response_posts(n + 1, timeout=self.timeout)
        except TimeoutError:
            print("no answer through response_url")
            return
        post = self.fake.responses_for(d.response_url)[-1]
        print(f"private answer ({post.response_type}) through response_url:")
        print(_indent(_text(post.body)))

    async def post(self, line: str) -> None:
        _, _, rest = line.partition(" ")
        where, _, text = rest.strip().partition(" ")
        if not where or not text.strip():
            print("usage: post #CHANNEL TEXT")
            return
        channel = self._channel(where)
        if not await self.ready():
            return
        ev = self.fake.post_as_user(channel, text.strip())
        d = await self.fake.send_event(ev)
        try:
            await d.wait_acked(timeout=self.timeout)
        except (TimeoutError, AssertionError) as exc:
            print(f"no acknowledgement: {exc}")
            return
        print(f"acknowledged in {1000 * (d.ack_latency or 0):.0f} ms")
        try:
            [reply, *_] = await self.fake.wait_for_messages(
                channel, 1, thread_ts=ev["ts"], timeout=self.timeout
            )
        except TimeoutError:
            print("no reply in the thread (not a watched channel, or shorter than the minimum?)")
            return
        print(f"reply in the draft's thread in {where}:")
        print(_indent(_text(reply)))
        reactions = self.fake.reactions_on(channel, ev["ts"])
        if reactions:
            print("reactions on the draft: " + ", ".join(f":{r}:" for r in reactions))

    def _channel(self, where: str) -> str:
        if where.startswith("#"):
            name = where[1:].lower()
            for cid, ch in self.fake.channels.items():
                if ch.get("name") == name:
                    return cid
            cid = "C0" + "".join(c for c in name.upper() if c.isalnum())[:9]
            self.fake.add_channel(cid, name)
            return cid
        return where

    def report_violations(self) -> None:
        for v in self.fake.violations[self.reported :]:
            print(f"fake Slack: VIOLATION {v}")
        self.reported = len(self.fake.violations)


async def main(argv: list[str] | None = None) -> int:
    doc = (__doc__ or "").strip().splitlines()[0]
    ap = argparse.ArgumentParser(prog="python -m tests.fakeslack", description=doc)
    ap.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--http", metavar="URL", help="HTTP mode: POST signed requests to URL")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for answers")
    ap.add_argument(
        "--forever", action="store_true", help="keep serving after stdin ends (until Ctrl-C)"
    )
    args = ap.parse_args(argv)

    fake = FakeSlack(host=args.host, port=args.port)
    await fake.start()
    fake.add_channel("C0DRAFTS", "drafts")
    fake.add_channel("C0GENERAL", "general")
    if args.http:
        fake.use_http(args.http, fake.signing_secret)
    print(f"fake Slack listening on {fake.url} (Web API {fake.base_url})")
    if not fake.spec_loaded:
        print(
            "fake Slack: WARNING Slack's Web API spec was not found (looked for "
            f"{default_spec_path()}); calls are NOT checked against it, only Block Kit and "
            "tokens. Put the shared folder next to the checkout (../shared) to enable the checks."
        )
    print("put these lines in brandbot's .env (or the environment):")
    print(f"  SLACK_BOT_TOKEN={fake.bot_token}")
    print(f"  SLACK_APP_TOKEN={fake.app_token}")
    print(f"  SLACK_SIGNING_SECRET={fake.signing_secret}")
    print(f"  BRANDBOT_SLACK_API_URL={fake.base_url}")
    print("channels: #drafts (C0DRAFTS), #general (C0GENERAL); " + HELP.splitlines()[0])
    print(HELP, flush=True)

    console = Console(fake, args.timeout)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)

    async def read_stdin() -> None:
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            print(f"> {line}", flush=True)
            if line in ("quit", "exit"):
                stop.set()
                return
            if line.startswith("/"):
                await console.command(line)
            elif line.startswith("post "):
                await console.post(line)
            else:
                print(HELP)
            console.report_violations()
            sys.stdout.flush()
        if not args.forever:
            stop.set()

    reader = asyncio.create_task(read_stdin())
    await stop.wait()
    reader.cancel()
    console.report_violations()
    print(f"fake Slack: {fake.summary()}", flush=True)
    await fake.stop()
    return 1 if fake.violations else 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(asyncio.run(main()))
