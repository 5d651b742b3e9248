"""What a job does once a worker picks it up: review, post or update the thread reply, react,
alert; private reviews through response_url; file drafts; deletions.

Every job is idempotent against the store: a draft version already reviewed is not posted again,
an older version never overwrites a newer one (jobs on one draft run one at a time), a deleted
draft gets no new reply, and a job resumed after a crash looks for the reply it may already have
posted (message metadata) before posting.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from typing import Any

from slack_sdk.errors import SlackApiError

from analyzers import (
    DocumentError,
    Draft,
    GuideError,
    Review,
    SourceFormat,
    Verdict,
    compare_reviews,
)
from bot import blocks
from bot.context import BotContext
from bot.files import SUPPORTED, FileProblem, file_name, is_supported_name
from bot.jobs import Submit
from bot.lifecycle_blocks import DraftRef, lifecycle_actions, reopened_note
from bot.posting import REFUSED_MESSAGE, api_error, plain_text, post_once, post_once_or_plain
from bot.retry import is_retryable
from bot.slack_ts import ts_key
from bot.storage.history import entry_from_review, review_key
from bot.store import Job, ReviewRecord

log = logging.getLogger(__name__)

METADATA_TYPE = "brandbot_review"
LIFECYCLE_KINDS = frozenset({"signoff", "vote", "accept", "stats", "home"})
# Slack's answers for a message that no longer exists
_GONE_ERRORS = frozenset({"message_not_found", "thread_not_found", "cant_update_message"})
_MENTION_RE = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")


def post_key(job: Job, part: str) -> str:
    """The key a job's post is made once under: one per part, since a job that reviews a
    message's text and its files posts one reply for each."""
    return f"{job.key}#{part}" if part else job.key


def has_review_reply(record: ReviewRecord | None, version: str) -> bool:
    """This version of the part (or a newer one) has its review reply (a problem note is none)."""
    return (
        record is not None
        and bool(record.reply_ts)
        and record.version != "problem"
        and ts_key(record.version) >= ts_key(version)
    )


def strip_mentions(text: str) -> str:
    return _MENTION_RE.sub("", text).strip()


class Workflows:
    """The job handlers (``JobQueue`` calls ``handle``)."""

    def __init__(self, ctx: BotContext) -> None:
        self.ctx = ctx
        self._home_pending: set[str] = set()
        self._home_stale: set[str] = set()

    async def handle(self, job: Job) -> None:
        kind = job.kind
        if kind == "thread":
            await self.thread_review(job)
        elif kind == "fetch":
            await self.fetched_review(job)
        elif kind == "file":
            await self.file_review(job)
        elif kind == "ephemeral":
            await self.ephemeral_review(job)
        elif kind == "delete":
            await self.deleted(job)
        elif kind in LIFECYCLE_KINDS:
            await self.lifecycle(job)
        else:
            log.warning("unknown job kind %r (%s): dropped", kind, job.key)

    async def lifecycle(self, job: Job) -> None:
        """Issue 13's jobs: sign-off, votes, accepted suggestions, stats, the Home tab."""
        from bot import feedback, home, signoff, stats

        p = job.payload
        if job.kind == "signoff":
            await signoff.handle_signoff(self.ctx, job.key, p)
        elif job.kind == "vote":
            await feedback.handle_vote(self.ctx, job.key, p)
        elif job.kind == "accept":
            await feedback.handle_accept(self.ctx, job.key, p)
        elif job.kind == "stats":
            await stats.run_stats(self.ctx, p, job_key=job.key)
        elif job.kind == "home":
            await home.publish_home(self.ctx, str(p["user"]))

    def refresh_home(self, user: str | None) -> None:
        """Re-publish the author's Home tab after a review (best effort, in the background)."""
        if not user or not re.fullmatch(r"[UW][A-Z0-9]{2,20}", user):
            return
        if user in self._home_pending:
            # one refresh per person at a time; one more after it (a burst, two publishes)
            self._home_stale.add(user)
            return
        self._home_pending.add(user)

        async def publish() -> None:
            from bot.home import publish_home

            try:
                await publish_home(self.ctx, user)
            except Exception as exc:
                log.info("could not refresh the Home tab of %s: %s", user, exc)
            finally:
                self._home_pending.discard(user)
                if user in self._home_stale:
                    self._home_stale.discard(user)
                    self.refresh_home(user)

        self.ctx.spawn(publish())

    async def on_failure(self, job: Job, exc: BaseException) -> None:
        try:
            note = await self._failure_note(job)
        except Exception:  # the apology goes out without it
            log.exception("could not read the review state of failed job %s", job.key)
            note = None
        await self.ctx.reporter.report(exc, body=job.payload, where=f"job {job.key}", note=note)

    async def _failure_note(self, job: Job) -> str | None:
        """What a failed review of a draft in a thread leaves behind: its thread shows the
        review of an earlier version (an edit storm whose newest edit failed), or none."""
        p = job.payload
        if job.kind != "thread" or not isinstance(p.get("version"), str):
            return None
        channel, ts = str(p["channel"]), str(p["ts"])
        if self.ctx.newest.superseded(channel, ts, "", p["version"]):
            return None  # a newer edit has its own job
        record = await asyncio.to_thread(self.ctx.store.get_review, channel, ts, "")
        again = f"edit the draft or react with :{self.ctx.settings.review_reaction}: to try again"
        if has_review_reply(record, p["version"]):
            return None
        if record is not None and record.reply_ts and record.version != "problem":
            return (
                "Your latest edit was not checked: the review in the thread is of an earlier "
                f"version; {again}."
            )
        return f"This draft was not checked; {again}."

    # -- thread reviews ------------------------------------------------------------------------

    async def thread_review(self, job: Job) -> None:
        p = job.payload
        draft = Draft(
            text=str(p["text"]), id=f"{p['channel']}/{p['ts']}", format=SourceFormat.MRKDWN
        )
        await self._review_into_thread(
            job,
            channel=p["channel"],
            ts=p["ts"],
            thread_ts=p.get("thread_ts") or p["ts"],
            part="",
            version=p["version"],
            author=p.get("user"),
            draft=draft,
        )

    async def fetched_review(self, job: Job) -> None:
        """A mention or a reaction: fetch the target message, then review it (text or files)."""
        p = job.payload
        channel, ts = p["channel"], p["ts"]
        message = await self._fetch_message(channel, ts)
        if message is None:
            log.info("message %s/%s not found (deleted?); nothing to review", channel, ts)
            return
        if self.ctx.is_bot_author(message):
            log.info("not reviewing bot message %s/%s", channel, ts)
            return
        version = (message.get("edited") or {}).get("ts") or message.get("ts") or ts
        thread_ts = message.get("thread_ts") or ts
        attached = [f for f in message.get("files") or [] if isinstance(f, Mapping)]
        files = [f for f in attached if is_supported_name(file_name(f))]
        text = str(message.get("text") or "")
        # "@brandbot check this" with a file attached: the words ask for a review of the file,
        # they are not a draft of their own (one reply, for the file)
        asks_for_files = bool(files) and self._mentions_bot(text)
        words = bool(text.strip() and strip_mentions(text))
        if attached and not files and not words:
            # asked for a review of files it cannot read (a screenshot, a .doc): say so
            names = ", ".join(file_name(f) for f in attached[:3])
            await self._post_problem(
                job,
                channel,
                ts,
                thread_ts,
                str(attached[0].get("id") or "files"),
                f":page_facing_up: {names}: only {', '.join(SUPPORTED)} files are reviewed",
            )
            return
        if words and not asks_for_files:
            draft = Draft(text=text, id=f"{channel}/{ts}", format=SourceFormat.MRKDWN)
            await self._review_into_thread(
                job,
                channel=channel,
                ts=ts,
                thread_ts=thread_ts,
                part="",
                version=str(version),
                author=message.get("user"),
                draft=draft,
            )
        for f in files:
            await self._queue_file(job, channel, ts, thread_ts, f, message.get("user"))

    async def _queue_file(
        self,
        job: Job,
        channel: str,
        ts: str,
        thread_ts: str,
        file: Mapping[str, Any],
        author: str | None,
    ) -> None:
        """A file of a message someone asked about becomes a job of its own, in the upload
        lane's share of the workers (``JobQueue.slow_kinds``), so many files behind one mention
        or reaction never hold every worker; a full queue reviews it here instead. The job's key
        is the one a watched upload of the file gets: asked again (a reaction toggled forty
        times, a mention and a reaction at once, the upload itself), the file is one job, never
        one per request filling the queue for everyone."""
        payload = {
            "channel": channel,
            "ts": ts,
            "thread_ts": thread_ts,
            "file": dict(file),
            "user": author,
        }
        fid = file.get("id")
        key = f"file:{channel}:{ts}:{fid}" if fid else f"{job.key}|file:{file_name(file)}"
        reviews = self.ctx.reviews
        if reviews is not None and await reviews.asubmit(key, "file", payload) is not Submit.FULL:
            return
        await self._file_into_thread(job, channel, ts, thread_ts, file, author)

    async def file_review(self, job: Job) -> None:
        p = job.payload
        await self._file_into_thread(
            job, p["channel"], p["ts"], p.get("thread_ts") or p["ts"], p["file"], p.get("user")
        )

    async def _file_into_thread(
        self,
        job: Job,
        channel: str,
        ts: str,
        thread_ts: str,
        file: Mapping[str, Any],
        author: str | None,
    ) -> None:
        file_id = str(file.get("id") or file.get("name") or "file")
        name = file_name(file)
        if not is_supported_name(name):
            return
        version = str(file.get("updated") or file.get("timestamp") or ts)
        if job.attempts == 0 and await self._has_reply(channel, ts, file_id, version):
            return  # asked again (a reaction toggled): this version has its reply; no download
        if not (file.get("url_private_download") or file.get("url_private")) and file.get("id"):
            info = await self.ctx.client.files_info(file=file_id)
            file = dict(info.get("file") or file)
        try:
            draft = await self.ctx.fetcher.fetch_draft(file)
        except (FileProblem, DocumentError) as exc:
            await self._post_problem(
                job, channel, ts, thread_ts, file_id, f":page_facing_up: {exc}"
            )
            return
        await self._review_into_thread(
            job,
            channel=channel,
            ts=ts,
            thread_ts=thread_ts,
            part=file_id,
            version=version,
            author=author,
            draft=draft,
            title=f"Brand check: {name}",
        )

    async def _has_reply(self, channel: str, ts: str, part: str, version: str) -> bool:
        record = await asyncio.to_thread(self.ctx.store.get_review, channel, ts, part)
        return has_review_reply(record, version)

    async def _post_problem(
        self, job: Job, channel: str, ts: str, thread_ts: str, part: str, text: str
    ) -> None:
        async with self.ctx.lock_for(channel, ts):
            record = await asyncio.to_thread(self.ctx.store.get_review, channel, ts, part)
            if record is not None or await asyncio.to_thread(
                self.ctx.store.is_deleted, channel, ts
            ):
                return
            msg = blocks.notice_message(blocks.escape(text))
            reply_ts = await post_once(
                self.ctx.client,
                job_key=post_key(job, part),
                channel=channel,
                thread_ts=thread_ts,
                event_type=METADATA_TYPE,
                intents=self.ctx.store,
                payload={"draft_ts": ts, "part": part, "version": "problem"},
                text=msg["text"],
                blocks=msg["blocks"],
            )
            await asyncio.to_thread(
                self.ctx.store.save_review,
                channel,
                ts,
                part,
                version="problem",
                reply_ts=reply_ts,
                review=None,
                verdict=None,
            )

    async def _record_draft_history(
        self,
        review: Review,
        channel: str,
        ts: str,
        part: str,
        version: str,
        author: str | None,
        reply_ts: str | None,
    ) -> None:
        """The history entry of a draft's thread review (a message, or one of its files)."""
        kind = "file" if part else "thread"
        await self._record_history(
            review,
            key=review_key(kind, channel, ts, part, version),
            kind=kind,
            channel=channel,
            ts=ts,
            part=part,
            version=version,
            author=author,
            reply_ts=reply_ts,
        )

    async def _record_history(
        self,
        review: Review,
        *,
        key: str,
        kind: str,
        channel: str | None,
        ts: str | None,
        part: str = "",
        version: str | None = None,
        author: str | None = None,
        reply_ts: str | None = None,
    ) -> None:
        """Record a review in the history (once per ``key``; off the event loop). A failure
        is logged, never fails the job: the reply is what the user waits for."""
        ctx = self.ctx
        if ctx.history is None:
            return
        entry = entry_from_review(
            review,
            review_key=key,
            kind=kind,
            store_text=ctx.settings.history_store_text,
            workspace=ctx.team_id,
            channel=channel,
            draft_ts=ts,
            part=part,
            version=version,
            author=author,
            reply_channel=channel if reply_ts else None,
            reply_ts=reply_ts,
            model_version=ctx.model_version,
            guide_version=ctx.guide_version,
        )
        try:
            await asyncio.to_thread(ctx.history.record, entry)
        except Exception:
            log.exception("could not record review %s in the history", key)

    async def _review_into_thread(
        self,
        job: Job,
        *,
        channel: str,
        ts: str,
        thread_ts: str,
        part: str,
        version: str,
        author: str | None,
        draft: Draft,
        title: str | None = None,
    ) -> None:
        ctx = self.ctx
        if ctx.newest.superseded(channel, ts, part, version):
            log.info("%s/%s version %s: a newer edit is queued; not reviewed", channel, ts, version)
            return
        profile = await ctx.resolve_profile(channel)
        # inference first, outside the per-draft lock (it is the slow part)
        if await asyncio.to_thread(ctx.store.is_deleted, channel, ts):
            return
        record = await asyncio.to_thread(ctx.store.get_review, channel, ts, part)
        if (
            job.kind == "fetch"
            and record is not None
            and record.reply_ts
            and not await self._reply_exists(channel, thread_ts, record.reply_ts)
        ):
            # asked again (a mention, the review reaction) after someone deleted our reply: the
            # record forgets it, so this request posts a new one instead of finding it done
            await asyncio.to_thread(ctx.store.forget_reply, channel, ts, record.reply_ts)
            record = await asyncio.to_thread(ctx.store.get_review, channel, ts, part)
        if record is not None and ts_key(record.version) >= ts_key(version) and record.reply_ts:
            # this version (or a newer one) is already reviewed; a crash between the reply and
            # the history could have left it out of the history (recorded once per key)
            if record.version == version and record.review:
                done = Review.from_dict(record.review)
                # ... and so could the alert (both are recorded once, whoever asks again)
                await ctx.alerter.consider(
                    done, channel=channel, ts=ts, part=part, version=version, author=author
                )
                await self._record_draft_history(
                    done, channel, ts, part, version, author, record.reply_ts
                )
            return
        [review] = await ctx.service.review([draft], profile)
        await ctx.gate.quiet()  # acknowledgements first: rendering and posting can wait

        async with ctx.lock_for(channel, ts):
            if ctx.newest.superseded(channel, ts, part, version):
                return  # edited again while this version was reviewed: the newer one posts
            if await asyncio.to_thread(ctx.store.is_deleted, channel, ts):
                return
            record = await asyncio.to_thread(ctx.store.get_review, channel, ts, part)
            if has_review_reply(record, version):
                return
            reply_ts = record.reply_ts if record is not None else None
            old = Review.from_dict(record.review) if record and record.review else None
            ref = DraftRef(channel, ts, part, version)
            tail = lifecycle_actions(review, ref, signoff=True, votes=True)
            reopened = await self._reopened_note(channel, ts, part, version)
            if old is not None and reply_ts is not None:
                diff = compare_reviews(old, review)
                msg = blocks.update_message(review, diff, tail=tail, extra_note=reopened)
            else:
                msg = blocks.review_message(review, title=title, tail=tail)
            if reply_ts is None and job.attempts > 0:
                reply_ts = await self._find_existing_reply(channel, thread_ts, ts, part)
            if reply_ts is not None and not await self._updated(channel, reply_ts, msg):
                # our reply is gone (deleted by someone): this version gets a new one
                reply_ts = None
                msg = blocks.review_message(review, title=title, tail=tail)
            if reply_ts is None:
                reply_ts = await self._post_reply(job, channel, thread_ts, ts, part, version, msg)
            await asyncio.to_thread(
                ctx.store.save_review,
                channel,
                ts,
                part,
                version=version,
                reply_ts=reply_ts,
                review=review.to_dict(),
                verdict=review.verdict.value,
            )
            old_verdict = record.verdict if record is not None else None
        await self._record_draft_history(review, channel, ts, part, version, author, reply_ts)
        await self._react(channel, ts, old_verdict, review.verdict.value)
        self.refresh_home(author)
        await ctx.alerter.consider(
            review, channel=channel, ts=ts, part=part, version=version, author=author
        )

    async def _reply_exists(self, channel: str, thread_ts: str, reply_ts: str) -> bool:
        """Whether our reply ``reply_ts`` is still in the thread (one ``conversations.replies``
        call; only Slack saying it is not there counts as gone)."""
        try:
            resp = await self.ctx.client.conversations_replies(
                channel=channel,
                ts=thread_ts,
                oldest=reply_ts,
                latest=reply_ts,
                inclusive=True,
                limit=2,
            )
        except SlackApiError as exc:
            if is_retryable(exc):
                raise
            return True  # cannot tell (a deleted thread is the draft's deletion, not ours)
        return any(m.get("ts") == reply_ts for m in resp.get("messages") or [])

    async def _updated(self, channel: str, reply_ts: str, msg: blocks.Message) -> bool:
        """``chat.update`` our reply; False when it no longer exists."""
        try:
            await self.ctx.client.chat_update(
                channel=channel, ts=reply_ts, text=msg["text"], blocks=msg["blocks"]
            )
        except SlackApiError as exc:
            if api_error(exc) in _GONE_ERRORS:
                log.info(
                    "reply %s/%s is gone (%s); posting a new one", channel, reply_ts, api_error(exc)
                )
                return False
            if api_error(exc) in REFUSED_MESSAGE:
                await self.ctx.client.chat_update(
                    channel=channel, ts=reply_ts, text=plain_text(msg["text"]), blocks=[]
                )
                return True
            raise
        return True

    async def _post_reply(
        self,
        job: Job,
        channel: str,
        thread_ts: str,
        ts: str,
        part: str,
        version: str,
        msg: blocks.Message,
    ) -> str:
        """Post the review in the draft's thread, once per job and part; when Slack rejects the
        blocks (limits of its own), the plain-text version instead: never no review."""
        return await post_once_or_plain(
            self.ctx.client,
            job_key=post_key(job, part),
            channel=channel,
            thread_ts=thread_ts,
            event_type=METADATA_TYPE,
            intents=self.ctx.store,
            payload={"draft_ts": ts, "part": part, "version": version},
            text=msg["text"],
            blocks=msg["blocks"],
            unfurl_links=False,
            unfurl_media=False,
        )

    async def _reopened_note(self, channel: str, ts: str, part: str, version: str) -> str | None:
        """ "Re-opened: ..." when a decision was made on an earlier version of this draft."""
        if self.ctx.signoffs is None:
            return None
        try:
            found = await asyncio.to_thread(self.ctx.signoffs.get, channel, ts, part)
        except Exception:
            log.exception("could not read the sign-off of %s/%s", channel, ts)
            return None
        if found is None or found.version == version:
            return None
        return reopened_note(found.decided_by, found.decision)

    async def _react(self, channel: str, ts: str, old: str | None, new: str) -> None:
        s = self.ctx.settings

        def name(verdict: str | None) -> str | None:
            if verdict is None:
                return None
            return s.pass_reaction if verdict == Verdict.PASS.value else s.needs_work_reaction

        before, after = name(old), name(new)
        if before == after:
            return
        if before is not None:
            await self._reaction_call("remove", channel, ts, before)
        await self._reaction_call("add", channel, ts, after or s.needs_work_reaction)

    async def _reaction_call(self, op: str, channel: str, ts: str, name: str) -> None:
        try:
            if op == "add":
                await self.ctx.client.reactions_add(channel=channel, timestamp=ts, name=name)
            else:
                await self.ctx.client.reactions_remove(channel=channel, timestamp=ts, name=name)
        except SlackApiError as exc:
            error = api_error(exc)
            if error in ("already_reacted", "no_reaction", "message_not_found"):
                return
            if is_retryable(exc):
                raise
            log.warning("reactions.%s %s on %s/%s failed: %s", op, name, channel, ts, error)

    async def _find_existing_reply(
        self, channel: str, thread_ts: str, ts: str, part: str
    ) -> str | None:
        """After a crash between posting and recording: our reply, found by its metadata."""
        try:
            resp = await self.ctx.client.conversations_replies(
                channel=channel, ts=thread_ts, include_all_metadata=True, limit=200
            )
        except SlackApiError as exc:
            if is_retryable(exc):
                raise
            return None
        for m in resp.get("messages") or []:
            meta = m.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if (
                meta.get("event_type") == METADATA_TYPE
                and payload.get("draft_ts") == ts
                and payload.get("part", "") == part
            ):
                return str(m["ts"])
        return None

    def _mentions_bot(self, text: str) -> bool:
        bot = self.ctx.bot_user_id
        return bool(bot and f"<@{bot}" in text)

    async def _fetch_message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """The message, or None when it is gone (deleted before the fetch: Slack answers
        ``message_not_found`` or, from conversations.replies, ``thread_not_found``)."""
        client = self.ctx.client
        try:
            resp = await client.conversations_history(
                channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1
            )
            for m in resp.get("messages") or []:
                if m.get("ts") == ts:
                    return dict(m)
            resp = await client.conversations_replies(channel=channel, ts=ts, limit=200)
        except SlackApiError as exc:
            if api_error(exc) in _GONE_ERRORS:
                return None
            raise
        for m in resp.get("messages") or []:
            if m.get("ts") == ts:
                return dict(m)
        return None

    # -- private reviews -----------------------------------------------------------------------

    async def ephemeral_review(self, job: Job) -> None:
        p = job.payload
        ctx = self.ctx
        profile = p.get("profile") or await ctx.resolve_profile(
            p.get("channel"), p.get("channel_name")
        )
        draft = Draft(text=str(p["text"]), id=p.get("source"), format=SourceFormat.MRKDWN)
        review: Review | None = None
        try:
            [review] = await ctx.service.review([draft], profile)
        except GuideError as exc:
            msg = blocks.notice_message(blocks.escape(str(exc)))
        else:
            msg = blocks.review_message(review, title=p.get("title"))
        await self._send_private(p, msg)
        if review is not None:
            await self._record_history(
                review,
                key=job.key,
                kind="private",
                channel=p.get("channel"),
                ts=None,
                author=p.get("user"),
            )
            self.refresh_home(p.get("user"))

    async def _send_private(self, p: Mapping[str, Any], msg: blocks.Message) -> None:
        await self.ctx.answer_privately(p, msg)

    # -- deletions -----------------------------------------------------------------------------

    async def deleted(self, job: Job) -> None:
        p = job.payload
        channel, ts = p["channel"], p["ts"]
        async with self.ctx.lock_for(channel, ts):
            await asyncio.to_thread(self.ctx.store.mark_deleted, channel, ts)
            records = await asyncio.to_thread(self.ctx.store.reviews_for_message, channel, ts)
            for record in records:
                if not record.reply_ts:
                    continue
                msg = blocks.deleted_message()
                try:
                    await self.ctx.client.chat_update(
                        channel=channel, ts=record.reply_ts, text=msg["text"], blocks=msg["blocks"]
                    )
                except SlackApiError as exc:
                    if is_retryable(exc):
                        raise
                    log.info("could not replace reply %s: %s", record.reply_ts, exc)
