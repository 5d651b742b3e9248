"""Manager alerts: DMs to the configured managers and/or a post in the alerts channel.

One alert per draft version (``alerts`` table + a journalled job keyed by the version); a burst is
paced by a token bucket in a lane of its own (one worker), never dropped; each target is recorded
after its post succeeds, so a retry after a partial failure never alerts the same person twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Future
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from analyzers import Review, is_alert_worthy
from bot import blocks
from bot.fanout import to_each
from bot.jobs import JobQueue, SharedTokenBucket, Submit, TokenBucket
from bot.lifecycle_blocks import DraftRef, lifecycle_actions
from bot.posting import api_error, post_once_or_plain
from bot.settings import Settings
from bot.store import Job, Store

log = logging.getLogger(__name__)


ALERT_METADATA_TYPE = "brandbot_alert"


def alert_key(channel: str, ts: str, part: str, version: str) -> str:
    return f"alert:{channel}:{ts}:{part}:{version}"


class Alerter:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        client: AsyncWebClient,
        bucket: TokenBucket | SharedTokenBucket,
    ) -> None:
        self.settings = settings
        self.store = store
        self.client = client
        self.bucket = bucket
        self.queue: JobQueue | None = None  # set by the app once the alert lane exists
        self._dm_channels: dict[str, str] = {}  # manager user id -> DM channel id
        # issue 13: the weekly digest job runs in this lane (set by the app)
        self.on_digest: Callable[[Job], Awaitable[None]] | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.settings.manager_ids or self.settings.alert_channel)

    async def consider(
        self,
        review: Review,
        *,
        channel: str,
        ts: str,
        part: str,
        version: str,
        author: str | None,
    ) -> Submit | None:
        """Queue an alert when the review warrants one and this version has not had one."""
        if not self.enabled or self.queue is None:
            return None
        worthy, reasons = is_alert_worthy(review)
        if not worthy or await asyncio.to_thread(self.store.alert_sent, channel, ts, part, version):
            return None
        payload = {
            "channel": channel,
            "ts": ts,
            "part": part,
            "version": version,
            "author": author,
            "reasons": reasons,
            "review": review.to_dict(),
        }
        return await self.queue.asubmit(alert_key(channel, ts, part, version), "alert", payload)

    def notice(self, key: str, text: str) -> Submit | None:
        """Queue a one-off text notice to the managers, sent once per ``key`` (journalled).
        Used for operational news such as the hosted-inference budget running out."""
        if not self.enabled or self.queue is None:
            log.warning("%s (no managers or alert channel configured)", text)
            return None
        return self.queue.submit(f"notice:{key}", "notice", {"text": text})

    async def anotice(self, key: str, text: str) -> Submit | None:
        """:meth:`notice` with the journal insert off the event loop."""
        if not self.enabled or self.queue is None:
            log.warning("%s (no managers or alert channel configured)", text)
            return None
        return await self.queue.asubmit(f"notice:{key}", "notice", {"text": text})

    def notice_from_thread(self, loop: asyncio.AbstractEventLoop, text: str) -> None:
        """:meth:`notice` from another thread (the remote model suite's); keyed by the text.
        The journal write runs in a worker thread, never on the event loop; a failure to
        journal the notice is logged (the review it came from is unaffected)."""
        key = hashlib.sha256(text.encode()).hexdigest()[:16]
        future = asyncio.run_coroutine_threadsafe(self.anotice(key, text), loop)

        def logged(f: Future[Submit | None]) -> None:
            if not f.cancelled() and f.exception() is not None:
                log.warning("could not queue the managers' notice: %s", f.exception())

        future.add_done_callback(logged)

    async def handle(self, job: Job) -> None:
        if job.kind == "digest":
            if self.on_digest is not None:
                await self.on_digest(job)
            return
        if job.kind == "notice":
            text = str(job.payload.get("text") or "")
            await self._deliver(job, text, [blocks.section(blocks.escape(text))] if text else [])
            return
        p: Mapping[str, Any] = job.payload
        channel, ts, part, version = p["channel"], p["ts"], p["part"], p["version"]
        if await asyncio.to_thread(self.store.alert_sent, channel, ts, part, version):
            return
        review = Review.from_dict(p["review"])
        permalink = await self._permalink(channel, ts)
        msg = blocks.alert_message(
            review,
            author=p.get("author"),
            channel=channel,
            permalink=permalink,
            reasons=list(p.get("reasons") or []),
            tail=lifecycle_actions(
                review, DraftRef(channel, ts, part, version), signoff=True, votes=False
            ),
        )
        targets = await self._deliver(job, msg["text"], msg["blocks"])
        await asyncio.to_thread(self.store.record_alert, channel, ts, part, version)
        log.info(
            "alert sent for %s/%s (version %s) to %d target(s)", channel, ts, version, len(targets)
        )

    async def _deliver(self, job: Job, text: str, body: list[Any]) -> list[str]:
        """Post to every manager and the alert channel, each at most once per job; one that
        Slack refuses for good (a deactivated manager) is skipped (``bot.fanout``)."""
        targets = list(self.settings.manager_ids)
        if self.settings.alert_channel:
            targets.append(self.settings.alert_channel)

        async def send(target: str) -> None:
            sent_key = f"{job.key}:to:{target}"
            if await asyncio.to_thread(self.store.seen, sent_key):
                return
            await self.bucket.acquire()
            dest = await self._destination(target)
            await post_once_or_plain(
                self.client,
                job_key=sent_key,
                channel=dest,
                event_type=ALERT_METADATA_TYPE,
                intents=self.store,
                payload={"job_kind": job.kind},
                text=text,
                blocks=body,
                unfurl_links=False,
            )
            await asyncio.to_thread(self.store.claim, sent_key)

        return await to_each(targets, send, f"alert {job.key}")

    async def destination(self, target: str) -> str:
        return await self._destination(target)

    async def _destination(self, target: str) -> str:
        """A channel id as is; a user's DM channel, opened once and cached."""
        if target[0] not in "UW":
            return target
        cached = self._dm_channels.get(target)
        if cached is None:
            opened = await self.client.conversations_open(users=target)
            cached = self._dm_channels[target] = str(opened["channel"]["id"])
        return cached

    async def _permalink(self, channel: str, ts: str) -> str | None:
        try:
            resp = await self.client.chat_getPermalink(channel=channel, message_ts=ts)
        except SlackApiError as exc:
            if exc.response.status_code == 429:
                raise
            log.warning("no permalink for %s/%s: %s", channel, ts, api_error(exc))
            return None
        link = resp.get("permalink")
        return str(link) if link else None
