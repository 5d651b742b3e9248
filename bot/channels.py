"""Channel names for settings and guides that name channels (``#launches``) instead of ids.

Slack events carry only channel ids. When ``BRANDBOT_WATCHED_CHANNELS`` or the guide's
``channels:`` section names a channel, the bot looks the event's channel up with
``conversations.info`` (scopes ``channels:read`` / ``groups:read``) and caches the name: one call
per channel per ``ttl_s`` (renames are picked up after that), concurrent lookups of one channel
share a call, failures are cached briefly so a missing scope does not cost a call per event.

Listeners wait at most ``wait_s`` for a lookup before they acknowledge Slack; a slower lookup
(a rate-limited Web API) keeps going in the background and fills the cache for the next event.

With a shared ``store`` (replicas on PostgreSQL) the cache is shared too: a replica asks the
database before Slack, and writes what it learnt (names and failures, with their expiry), so
one ``conversations.info`` per channel per ``ttl_s`` serves every replica.

The other way round, ``id_of`` turns a ``#name`` a person typed (Slack escapes only channels
picked from its suggestions) into the channel id with ``conversations.list`` (public and
private channels the bot can see, at most ``MAX_LIST_PAGES`` pages of 200), cached for ``ttl_s``;
a name no channel has walks the list again at most every ``relist_s``.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.posting import api_error

if TYPE_CHECKING:
    from bot.store import Store

log = logging.getLogger(__name__)

_ID_RE = re.compile(r"^[CGD][A-Z0-9]{2,}$")
MAX_LIST_PAGES = 50  # conversations.list pages of 200: 10,000 channels


class ChannelLookupError(Exception):
    """``conversations.list`` failed or did not answer in time: the name is not known yet."""


def is_channel_id(value: str) -> bool:
    """``C0123ABCD`` / ``G...`` / ``D...``: upper-case letters and digits (names are lower-case)."""
    return bool(_ID_RE.match(value))


def channel_key(name: str) -> str:
    """How names compare: without ``#``, case-insensitive, surrounding spaces ignored."""
    return name.strip().lstrip("#").strip().lower()


def split_channels(items: Iterable[str]) -> tuple[frozenset[str], frozenset[str]]:
    """Settings entries -> (ids, normalised names). ``*`` is neither."""
    ids: set[str] = set()
    names: set[str] = set()
    for item in items:
        item = item.strip()
        if not item or item == "*":
            continue
        if is_channel_id(item) and not item.startswith("#"):
            ids.add(item)
        else:
            names.add(channel_key(item))
    return frozenset(ids), frozenset(names)


class ChannelDirectory:
    """``id -> name`` via ``conversations.info``, cached."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        ttl_s: float = 600.0,
        failure_ttl_s: float = 60.0,
        wait_s: float = 1.0,
        store: Store | None = None,
    ) -> None:
        self.client = client
        self.store = store
        self.ttl_s = ttl_s
        self.failure_ttl_s = failure_ttl_s
        self.wait_s = wait_s
        self._names: dict[str, tuple[str | None, float]] = {}  # id -> (name, expires)
        self._inflight: dict[str, asyncio.Task[str | None]] = {}
        self._warned: set[str] = set()
        self.lookups = 0  # conversations.info calls made (tests, metrics)
        self._ids: dict[str, tuple[str | None, float]] = {}  # name -> (id, expires)
        self._listing: asyncio.Task[None] | None = None
        self.listings = 0  # conversations.list walks made (tests, metrics)
        self._listed_at = float("-inf")
        self.relist_s = 10.0  # an unknown name walks the list again at most this often

    def cached_name(self, channel_id: str) -> str | None:
        entry = self._names.get(channel_id)
        return entry[0] if entry is not None else None

    def _fresh(self, channel_id: str) -> bool:
        entry = self._names.get(channel_id)
        return entry is not None and entry[1] > time.monotonic()

    async def name_of(self, channel_id: str, *, wait_s: float | None = None) -> str | None:
        """The channel's normalised name (no ``#``), or None when it cannot be learnt.

        Waits at most ``wait_s`` (default ``self.wait_s``; ``0`` answers from the cache only and
        starts a lookup in the background); None then, and the lookup finishes in the background.
        """
        if not is_channel_id(channel_id) or channel_id.startswith("D"):
            return None  # direct messages have no name
        if self._fresh(channel_id):
            return self.cached_name(channel_id)
        task = self._inflight.get(channel_id)
        if task is None:
            task = asyncio.ensure_future(self._lookup(channel_id))
            self._inflight[channel_id] = task
            task.add_done_callback(lambda _t: self._inflight.pop(channel_id, None))
        limit = self.wait_s if wait_s is None else wait_s
        if limit <= 0 and not task.done():
            return self.cached_name(channel_id)
        try:
            return await asyncio.wait_for(asyncio.shield(task), timeout=limit)
        except TimeoutError:
            log.warning(
                "conversations.info for %s took over %.1fs; using what is known until it answers",
                channel_id,
                limit,
            )
            return self.cached_name(channel_id)

    async def _lookup(self, channel_id: str) -> str | None:
        if self.store is not None:
            try:
                shared = await asyncio.to_thread(self.store.channel_name, channel_id)
            except Exception as exc:
                log.warning("shared channel-name cache unavailable: %s", exc)
                shared = None
            if shared is not None:
                name = shared[0]
                ttl = self.ttl_s if name is not None else self.failure_ttl_s
                if name is None:
                    name = self.cached_name(channel_id)
                self._names[channel_id] = (name, time.monotonic() + ttl)
                return name
        name, fresh = await self._ask_slack(channel_id)
        if self.store is not None:
            try:
                await asyncio.to_thread(
                    self.store.save_channel_name,
                    channel_id,
                    name if fresh else None,
                    self.ttl_s if fresh else self.failure_ttl_s,
                )
            except Exception as exc:
                log.warning("could not share the name of channel %s: %s", channel_id, exc)
        return name

    async def _ask_slack(self, channel_id: str) -> tuple[str | None, bool]:
        """(name, True) from Slack, or (the stale name if any, False) when the lookup failed."""
        self.lookups += 1
        try:
            resp = await self.client.conversations_info(channel=channel_id)
        except SlackApiError as exc:
            error = api_error(exc)
            if error not in self._warned:
                self._warned.add(str(error))
                hint = (
                    " (add the channels:read and groups:read scopes and reinstall the app)"
                    if error == "missing_scope"
                    else ""
                )
                log.warning("cannot learn the name of channel %s: %s%s", channel_id, error, hint)
            return self._fail(channel_id), False
        except Exception as exc:  # network trouble: try again after failure_ttl_s
            log.warning("cannot learn the name of channel %s: %s", channel_id, exc)
            return self._fail(channel_id), False
        channel = resp.get("channel") or {}
        name = channel.get("name") if isinstance(channel, dict) else None
        if not isinstance(name, str) or not name:
            return self._fail(channel_id), False
        key = channel_key(name)
        self._names[channel_id] = (key, time.monotonic() + self.ttl_s)
        return key, True

    async def id_of(self, name: str, *, wait_s: float | None = None) -> str | None:
        """The id of the channel called ``name`` (``#`` optional, any case), or None when no
        channel the bot can see has that name. Raises ``ChannelLookupError`` when Slack did not
        say within ``wait_s`` (the walk goes on in the background and fills the cache)."""
        key = channel_key(name)
        entry = self._ids.get(key)
        if entry is not None and entry[1] > time.monotonic():
            return entry[0]
        task = self._listing
        listed = task is not None and task.done() and not task.cancelled() and not task.exception()
        if listed and time.monotonic() - self._listed_at < self.relist_s:
            return None  # the list is fresh: no channel has that name
        if task is None or task.done():
            task = self._listing = asyncio.ensure_future(self._list_channels())
        limit = self.wait_s if wait_s is None else wait_s
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=limit)
        except TimeoutError as exc:
            raise ChannelLookupError("Slack's channel list took too long") from exc
        except SlackApiError as exc:
            raise ChannelLookupError(str(api_error(exc))) from exc
        except Exception as exc:
            raise ChannelLookupError(type(exc).__name__) from exc
        entry = self._ids.get(key)
        return entry[0] if entry is not None and entry[1] > time.monotonic() else None

    async def _list_channels(self) -> None:
        """Walk ``conversations.list`` once and cache every name -> id (and id -> name)."""
        self.listings += 1
        found: dict[str, str] = {}
        cursor = ""
        for _ in range(MAX_LIST_PAGES):
            resp = await self.client.conversations_list(
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=200,
                cursor=cursor or None,
            )
            for ch in resp.get("channels") or []:
                if not isinstance(ch, dict):
                    continue
                cid, cname = ch.get("id"), ch.get("name")
                if isinstance(cid, str) and is_channel_id(cid) and isinstance(cname, str):
                    found.setdefault(channel_key(cname), cid)
            cursor = str((resp.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                break
        self._listed_at = time.monotonic()
        expires = self._listed_at + self.ttl_s
        for key, cid in found.items():
            self._ids[key] = (cid, expires)
            self._names[cid] = (key, expires)

    def _fail(self, channel_id: str) -> str | None:
        previous = self.cached_name(channel_id)  # keep a stale name rather than forget it
        self._names[channel_id] = (previous, time.monotonic() + self.failure_ttl_s)
        return previous
