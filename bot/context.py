"""``BotContext``: what the listeners and the jobs share (settings, store, clients, queues,
the guide and the channel policy), and the small helpers both sides call on it."""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot import blocks
from bot.alerts import Alerter
from bot.channels import ChannelDirectory, channel_key, is_channel_id, split_channels
from bot.clients import is_slack_url, trusted_hosts, webhook
from bot.errors import ErrorReporter
from bot.files import FileFetcher
from bot.jobs import AckGate, JobQueue, RetryableError, ReviewService, Submit
from bot.settings import Settings
from bot.storage.audit import AuditLog
from bot.storage.channel_policy import ChannelPolicy, ChannelRule
from bot.storage.history import ReviewHistory
from bot.storage.signoffs import Signoffs
from bot.storage.votes import Votes
from bot.store import Store
from bot.versions import NewestVersions

log = logging.getLogger(__name__)


@dataclass
class BotContext:
    """Everything the listeners and jobs share; built by ``create_app``."""

    settings: Settings
    store: Store
    client: AsyncWebClient
    service: ReviewService
    guide: Any
    reporter: ErrorReporter
    alerter: Alerter
    fetcher: FileFetcher
    reviews: JobQueue | None = None
    alerts: JobQueue | None = None
    bot_user_id: str | None = None
    bot_id: str | None = None
    reviewer_status: str = ""
    history: ReviewHistory | None = None  # every review is recorded here (issue 12)
    team_id: str | None = None  # the workspace, from auth.test
    model_version: str | None = None
    guide_version: str | None = None
    # issue 13: the stored channel policy, sign-offs, votes, the audit log
    policy: ChannelPolicy | None = None
    signoffs: Signoffs | None = None
    votes: Votes | None = None
    audit: AuditLog | None = None
    _policy_cache: tuple[float, dict[str, ChannelRule]] | None = None
    _policy_read: asyncio.Future[None] | None = None
    reviewer: Any = None  # what reviews (for reloading the guide)
    guide_watcher: Any = None  # bot.guide_reload.GuideWatcher, when the guide is a file
    # a draft's lock lives while someone holds or awaits it (one per message ever seen grew
    # without bound)
    _locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = field(
        default_factory=weakref.WeakValueDictionary
    )
    _background: set[asyncio.Task[Any]] = field(default_factory=set)
    gate: AckGate = field(default_factory=AckGate)
    newest: NewestVersions = field(default_factory=NewestVersions)  # edit storms: bot.versions

    # -- helpers used by listeners -----------------------------------------------------------

    channels: ChannelDirectory | None = None
    _watched: tuple[frozenset[str], frozenset[str]] | None = None

    @property
    def webhook_hosts(self) -> frozenset[str]:
        """Hosts besides Slack's that response_urls may point at (from settings only)."""
        return trusted_hosts(self.settings.slack_api_url)

    @property
    def watched_ids_and_names(self) -> tuple[frozenset[str], frozenset[str]]:
        if self._watched is None:
            self._watched = split_channels(self.settings.watched_channels)
        return self._watched

    @property
    def guide_names_channels(self) -> bool:
        """The guide maps some channel by name (``#launches: social``)."""
        mapping = getattr(self.guide, "channels", None) or {}
        return any(not is_channel_id(str(k)) for k in mapping)

    POLICY_TTL_S = 5.0  # replicas see an admin's change within this long

    def policy_rules(self) -> dict[str, ChannelRule]:
        """The stored channel policy by channel id or #name: the last snapshot read by
        ``refresh_policy`` (never a database call, so safe on the event loop)."""
        cached = self._policy_cache
        return cached[1] if cached is not None else {}

    async def refresh_policy(self, *, wait_s: float = 1.0) -> None:
        """Re-read the stored policy when the snapshot is older than ``POLICY_TTL_S``: in a
        thread, one read at a time. With a snapshot in hand a listener waits at most
        ``wait_s`` for a fresh one (else it uses the last one; the read goes on and the next
        delivery sees it); without one (the first delivery) it waits for the read."""
        if self.policy is None:
            return
        cached = self._policy_cache
        if cached is not None and time.monotonic() - cached[0] <= self.POLICY_TTL_S:
            return
        task = self._policy_read
        if task is None or task.done():
            task = self._policy_read = asyncio.ensure_future(self._read_policy())
        try:
            await asyncio.wait_for(asyncio.shield(task), wait_s if cached is not None else 10.0)
        except TimeoutError:
            log.warning("the channel policy read is slow; using the last snapshot")

    async def _read_policy(self) -> None:
        assert self.policy is not None
        previous = self._policy_cache
        try:
            rules = {r.channel: r for r in await asyncio.to_thread(self.policy.all)}
        except Exception:
            log.exception("could not read the channel policy; using the last one")
            rules = previous[1] if previous is not None else {}
        self._policy_cache = (time.monotonic(), rules)

    def forget_policy(self) -> None:
        """The policy changed here: the next ``refresh_policy`` reads it again (the last
        snapshot stays in use until then)."""
        if self._policy_cache is not None:
            self._policy_cache = (float("-inf"), self._policy_cache[1])

    def _policy_rule(self, channel: str, name: str | None = None) -> ChannelRule | None:
        rules = self.policy_rules()
        if not rules:
            return None
        rule = rules.get(channel)
        if rule is None:
            if name is None and self.channels is not None:
                name = self.channels.cached_name(channel)
            if name:
                rule = rules.get("#" + name.lstrip("#").lower())
        return rule

    def watch_needs_name(self, channel: str | None) -> bool:
        """Whether deciding if ``channel`` is watched needs its name (settings name channels)."""
        if not channel or self.channels is None:
            return False
        rules = self.policy_rules()
        if channel in rules:
            return False
        if any(k.startswith("#") for k in rules):
            return True
        if "*" in self.settings.watched_channels:
            return False
        ids, names = self.watched_ids_and_names
        return bool(names) and channel not in ids

    async def learn_channel(self, channel: str | None, *, wait_s: float | None = None) -> None:
        """Cache the channel's name (``conversations.info``, at most ``wait_s``)."""
        if channel and self.channels is not None:
            await self.channels.name_of(channel, wait_s=wait_s)

    def is_watched(self, channel: str | None) -> bool:
        """By id, or by name once ``learn_channel`` cached it."""
        if not channel:
            return False
        rule = self._policy_rule(channel)
        if rule is not None:
            return rule.watched
        return self.watched_by_settings(channel)

    def watched_by_settings(self, channel: str) -> bool:
        """``BRANDBOT_WATCHED_CHANNELS`` alone (by id, ``*``, or a cached name) watches it."""
        if "*" in self.settings.watched_channels:
            return True
        ids, names = self.watched_ids_and_names
        if channel in ids:
            return True
        if names and self.channels is not None:
            name = self.channels.cached_name(channel)
            return name is not None and name in names
        return False

    def profile_for(self, channel: str | None, channel_name: str | None = None) -> str | None:
        if not channel:
            return None
        rule = self._policy_rule(channel, channel_name)
        if rule is not None and rule.profile:
            return rule.profile
        finder = getattr(self.guide, "profile_for_channel", None)
        if finder is None:
            return None
        if channel_name is None and self.channels is not None:
            channel_name = self.channels.cached_name(channel)
        try:
            profile = finder(channel, channel_name)
        except TypeError:
            profile = finder(channel)
        return str(profile) if profile else None

    async def resolve_profile(
        self, channel: str | None, channel_name: str | None = None
    ) -> str | None:
        """``profile_for`` after learning the channel's name when the guide maps names."""
        await self.refresh_policy()
        names_in_policy = any(k.startswith("#") for k in self.policy_rules())
        if channel and not channel_name and (self.guide_names_channels or names_in_policy):
            await self.learn_channel(channel, wait_s=10.0)
        return self.profile_for(channel, channel_key(channel_name) if channel_name else None)

    def is_bot_author(self, message: Mapping[str, Any]) -> bool:
        """Own messages and other bots' (loops): never reviewed."""
        if message.get("bot_id") or message.get("subtype") == "bot_message":
            return True
        if message.get("bot_profile"):
            return True
        user = message.get("user")
        return bool(self.bot_user_id and user == self.bot_user_id)

    async def submit_review(self, key: str, kind: str, payload: Mapping[str, Any]) -> Submit:
        """Journal a review-lane job from a listener: off the event loop, within the
        delivery's budget (``JobQueue.asubmit``)."""
        assert self.reviews is not None, "the review queue is not running"
        return await self.reviews.asubmit(key, kind, payload)

    def spawn(self, coro: Any) -> None:
        """Fire-and-forget work that must not delay an ack (busy notices)."""
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def lock_for(self, channel: str, ts: str) -> asyncio.Lock:
        key = (channel, ts)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock

    async def answer_privately(self, p: Mapping[str, Any], msg: blocks.Message) -> None:
        """An ephemeral answer: through ``p['response_url']`` when it is Slack's, else
        ``chat.postEphemeral`` to ``p['user']`` in ``p['channel']``."""
        url = p.get("response_url")
        if url and not is_slack_url(url, self.webhook_hosts):
            log.warning(
                "response_url is not a Slack webhook host; answering with chat.postEphemeral"
            )
            url = None
        if url:
            resp = await webhook(str(url), extra_hosts=self.webhook_hosts).send(
                text=msg["text"],
                blocks=msg["blocks"],
                response_type="ephemeral",
                replace_original=False,
            )
            if resp.status_code == 200:
                return
            if resp.status_code == 429 or resp.status_code >= 500:
                raise RetryableError(f"response_url answered {resp.status_code}")
            log.info(
                "response_url answered %s; falling back to chat.postEphemeral", resp.status_code
            )
        channel, user = p.get("channel"), p.get("user")
        if not (channel and user):
            raise RuntimeError("no response_url and no channel/user to answer privately")
        await self.client.chat_postEphemeral(
            channel=channel, user=user, text=msg["text"], blocks=msg["blocks"]
        )

    def set_guide(self, guide: Any) -> None:
        """Review against ``guide`` from now on (reloaded without a restart)."""
        from bot.guide_reload import swap_guide

        swap_guide([self.reviewer, self.service], guide)
        self.guide = guide
        path = self.settings.guide_path or getattr(guide, "source", None)
        if path is not None:
            import hashlib
            from pathlib import Path

            try:
                digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
                self.guide_version = f"{getattr(guide, 'name', 'guide')}@{digest}"
            except OSError:
                pass

    async def reload_guide(self) -> bool:
        """Reload the guide file now (after an accepted suggestion); True when it changed."""
        if self.guide_watcher is None:
            return False
        return bool(await asyncio.to_thread(self.guide_watcher.check, force=True))

    async def notify_busy_in_thread(self, channel: str, thread_ts: str) -> None:
        msg = blocks.busy_message()
        try:
            await self.client.chat_postMessage(
                channel=channel, thread_ts=thread_ts, text=msg["text"], blocks=msg["blocks"]
            )
        except Exception as exc:
            log.warning("could not post the busy notice in %s: %s", channel, exc)

    async def notify_busy_response_url(self, response_url: str) -> None:
        msg = blocks.busy_message()
        try:
            await webhook(response_url, extra_hosts=self.webhook_hosts).send(
                text=msg["text"], blocks=msg["blocks"], response_type="ephemeral"
            )
        except Exception as exc:
            log.warning("could not send the busy notice: %s", exc)
