"""``python -m tests.fakeslack``: the local Slack, standalone, for trying the bot without Slack.

Starts ``FakeSlack`` on a fixed port, prints the ``.env`` lines that point ``brandbot serve`` at
it, then reads commands from stdin and prints what the bot answered::

    /brandcheck We leverage synergy to beat the competition!   (a slash command; the private
                                                              answer is printed)
    post #drafts Our new product ...                          (a message in a channel; the
                                                              bot's thread reply is printed)
    edit Our new product ...                                  (edit the last posted draft; the
                                                              bot's updated reply is printed)
    react mag                                                 (react to the last draft)
    delete                                                    (delete the last draft)
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
  edit TEXT               replace the text of the last posted draft and show the updated reply
  react NAME              add the reaction :NAME: to the last draft (e.g. the review reaction)
  delete                  delete the last draft and show what the bot did with its reply
  quit                    stop"""


def _text(msg: dict[str, Any] | None) -> str:
    """A message's fallback text and its blocks' text, as a person would read it: buttons as
    ``[Approve]``, menus as ``[Not an issue… ▾ a / b]``."""
    if not msg:
        return "(empty)"
    parts = []
    for b in msg.get("blocks") or []:
        if isinstance(b.get("text"), dict):
            parts.append(str(b["text"].get("text", "")))
        parts += [str(f.get("text", "")) for f in b.get("fields", []) if isinstance(f, dict)]
        if isinstance(b.get("accessory"), dict):
            parts.append(_element(b["accessory"]))
        elements = [_element(e) for e in b.get("elements", []) if isinstance(e, dict)]
        if b.get("type") == "actions":
            parts.append("  ".join(e for e in elements if e))
        else:
            parts += elements
    return "\n".join(p for p in parts if p) or str(msg.get("text") or "(no text)")


def _label(obj: Any) -> str:
    """The words of a text object (``{"type": "plain_text", "text": ...}``) or a string."""
    if isinstance(obj, dict):
        return str(obj.get("text", ""))
    return "" if obj is None else str(obj)


def _element(e: dict[str, Any]) -> str:
    kind = str(e.get("type", ""))
    if kind == "button":
        return f"[{_label(e.get('text'))}]"
    if kind.endswith("_select") or kind == "overflow":
        options = [_label(o.get("text")) for o in e.get("options", []) if isinstance(o, dict)]
        for group in e.get("option_groups", []) or []:
            if isinstance(group, dict):
                options += [_label(o.get("text")) for o in group.get("options", [])]
        head = _label(e.get("placeholder")) or "menu"
        return f"[{head} ▾ " + " / ".join(o for o in options if o) + "]"
    return _label(e.get("text")) if "text" in e else ""


def _indent(text: str) -> str:
    return "\n".join("  | " + line for line in text.splitlines())


class Console:
    def __init__(self, fake: FakeSlack, timeout: float) -> None:
        self.fake = fake
        self.timeout = timeout
        self.reported = 0
        self.last: tuple[str, str, str] | None = None  # (channel id, ts, as typed) of the draft

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
        self.last = (channel, ev["ts"], where)
        calls = self._reaction_calls()
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
        await self._show_reactions(channel, ev["ts"], since=calls)

    def _last_draft(self, usage: str) -> tuple[str, str, str] | None:
        if self.last is None:
            print(f"no draft yet: `post #CHANNEL TEXT` first ({usage})")
        return self.last

    def _reaction_calls(self) -> int:
        return len(self.fake.calls_to("reactions.add")) + len(
            self.fake.calls_to("reactions.remove")
        )

    async def _show_reactions(
        self, channel: str, ts: str, *, since: int = 0, quiet_s: float = 0.5, max_s: float = 5.0
    ) -> None:
        """The draft's reactions once the bot is done with them: it adds and swaps them after
        posting its reply, so wait for a reaction call after ``since`` (calls made before the
        action), then until none came for ``quiet_s`` (at most ``max_s`` in all)."""
        loop = asyncio.get_running_loop()
        start = last_change = loop.time()
        seen = self._reaction_calls()
        while loop.time() - start < max_s:
            await asyncio.sleep(0.05)
            now = self._reaction_calls()
            if now != seen:
                seen, last_change = now, loop.time()
            if seen > since and loop.time() - last_change >= quiet_s:
                break
        reactions = self.fake.reactions_on(channel, ts)
        shown = ", ".join(f":{r}:" for r in reactions) if reactions else "none"
        print(f"reactions on the draft: {shown}")

    def _reply(self, channel: str, ts: str) -> dict[str, Any] | None:
        replies = self.fake.bot_messages(channel, ts)
        return replies[0] if replies else None

    async def _deliver(self, ev: dict[str, Any]) -> bool:
        d = await self.fake.send_event(ev)
        try:
            await d.wait_acked(timeout=self.timeout)
        except (TimeoutError, AssertionError) as exc:
            print(f"no acknowledgement: {exc}")
            return False
        print(f"acknowledged in {1000 * (d.ack_latency or 0):.0f} ms")
        return True

    async def edit(self, line: str) -> None:
        text = line.partition(" ")[2].strip()
        last = self._last_draft("usage: edit TEXT")
        if last is None:
            return
        if not text:
            print("usage: edit TEXT")
            return
        channel, ts, where = last
        if not await self.ready():
            return
        before = self._reply(channel, ts)
        stamp = (before or {}).get("edited", {}).get("ts") if before else None
        n_updates = len(self.fake.calls_to("chat.update"))
        calls = self._reaction_calls()
        if not await self._deliver(self.fake.edit_as_user(channel, ts, text)):
            return

        def changed() -> dict[str, Any] | None:
            reply = self._reply(channel, ts)
            if reply is None:
                return None
            if before is None or len(self.fake.calls_to("chat.update")) > n_updates:
                return reply
            return reply if reply.get("edited", {}).get("ts") != stamp else None

        try:
            reply = await self.fake.wait_for(changed, self.timeout, what="the updated reply")
        except TimeoutError:
            print("the reply was not updated (an unchanged draft, or not a watched channel?)")
            return
        print(f"updated reply in the draft's thread in {where}:")
        print(_indent(_text(reply)))
        await self._show_reactions(channel, ts, since=calls)

    async def react(self, line: str) -> None:
        name = line.partition(" ")[2].strip().strip(":")
        last = self._last_draft("usage: react NAME")
        if last is None:
            return
        if not name:
            print("usage: react NAME   (e.g. react mag)")
            return
        channel, ts, where = last
        if not await self.ready():
            return
        had = self._reply(channel, ts)
        if not await self._deliver(self.fake.react_as_user(channel, ts, name)):
            return
        if had is not None:
            print("(the draft already has a review in its thread)")
            return
        try:
            [reply, *_] = await self.fake.wait_for_messages(
                channel, 1, thread_ts=ts, timeout=self.timeout
            )
        except TimeoutError:
            print(f"no reply in the thread (:{name}: is not the review reaction?)")
            return
        print(f"reply in the draft's thread in {where}:")
        print(_indent(_text(reply)))

    async def delete(self) -> None:
        last = self._last_draft("usage: delete")
        if last is None:
            return
        channel, ts, where = last
        if not await self.ready():
            return
        had = self._reply(channel, ts)
        n_updates = len(self.fake.calls_to("chat.update"))
        if not await self._deliver(self.fake.delete_as_user(channel, ts)):
            return
        self.last = None
        if had is None:
            print("deleted; the draft had no review")
            return

        def replaced() -> dict[str, Any] | None:
            gone = self.fake.get_message(channel, had["ts"]) is None
            if gone:
                return {"text": "(the review was deleted)"}
            if len(self.fake.calls_to("chat.update")) > n_updates:
                return self.fake.get_message(channel, had["ts"])
            return None

        try:
            reply = await self.fake.wait_for(replaced, self.timeout, what="the review's removal")
        except TimeoutError:
            print(f"deleted; the review in {where} was kept")
            return
        print(f"deleted; the bot's review in {where} now reads:")
        print(_indent(_text(reply)))

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
    print("channels: #drafts (C0DRAFTS), #general (C0GENERAL)")
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
            elif line == "edit" or line.startswith("edit "):
                await console.edit(line)
            elif line == "react" or line.startswith("react "):
                await console.react(line)
            elif line == "delete":
                await console.delete()
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
