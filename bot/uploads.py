"""A file shared at most once per job key: ``files_upload_v2``'s three steps, with the file id
recorded before the step that shares it.

``files.completeUploadExternal`` shares the file in the channel and is not idempotent; a 5xx
or a dropped connection after Slack completed it leaves the outcome unknown. Slack's API lets
us find the earlier file, because the file id is ours before the share:

1. a recorded share (``post_intents`` row ``posted``) returns at once;
2. a recorded file id (an earlier attempt reached step 3) is looked up with ``files.info``:
   when the file is shared in the channel, the share is recorded and nothing is uploaded again;
3. else ``files.getUploadURLExternal`` gives a new file id, recorded before the bytes go up
   and ``files.completeUploadExternal`` shares it; the share is recorded after.

So a retried job (this replica or another one) never shares the same chart twice. The lookup
needs ``files:read``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.posting import api_error
from bot.store import Store

log = logging.getLogger(__name__)
_GONE = frozenset({"file_not_found", "file_deleted"})


async def upload_once(
    client: Any,
    store: Store,
    *,
    key: str,
    channel: str,
    content: bytes,
    filename: str,
    title: str,
    alt: str,
    comment: str,
    thread_ts: str | None = None,
) -> str:
    """Share ``content`` as a file in ``channel`` once per ``key``; the file id."""
    intent = await asyncio.to_thread(store.post_intent, key)
    if intent is not None and intent.message_ts:
        if intent.state == "posted":
            return intent.message_ts
        if await is_shared(client, intent.message_ts, channel):
            log.info("upload %s found (file %s): not shared again", key, intent.message_ts)
            await asyncio.to_thread(store.record_posted, key, intent.message_ts)
            return intent.message_ts
    await asyncio.to_thread(store.record_post_intent, key, channel, thread_ts)
    started = await client.files_getUploadURLExternal(
        filename=filename, length=len(content), alt_txt=alt
    )
    file_id, url = str(started["file_id"]), str(started["upload_url"])
    await asyncio.to_thread(store.record_upload_file, key, file_id)
    sent = await client._upload_file(  # slack_sdk's own step 2 (the client's session)
        url=url,
        data=content,
        logger=log,
        timeout=client.timeout,
        proxy=client.proxy,
        ssl=client.ssl,
    )
    if sent.status != 200:
        raise SlackRequestError(f"the file upload answered {sent.status}")
    await client.files_completeUploadExternal(
        files=[{"id": file_id, "title": title}],
        channel_id=channel,
        initial_comment=comment,
        thread_ts=thread_ts,
    )
    await asyncio.to_thread(store.record_posted, key, file_id)
    return file_id


async def is_shared(client: Any, file_id: str, channel: str) -> bool:
    """Whether ``files.info`` shows the file shared in ``channel`` (False: not found)."""
    try:
        resp = await client.files_info(file=file_id)
    except SlackApiError as exc:
        if api_error(exc) in _GONE:
            return False
        raise
    file = resp.get("file")
    return isinstance(file, Mapping) and channel in shared_in(file)


def shared_in(file: Mapping[str, Any]) -> set[str]:
    """The channels a Slack file object says it is shared in (``channels``, ``groups``,
    ``ims``, ``shares``)."""
    out: set[str] = set()
    for field in ("channels", "groups", "ims"):
        value = file.get(field)
        if isinstance(value, list):
            out.update(str(c) for c in value)
    shares = file.get("shares")
    if isinstance(shares, Mapping):
        for kind in ("public", "private"):
            where = shares.get(kind)
            if isinstance(where, Mapping):
                out.update(str(c) for c in where)
    return out
