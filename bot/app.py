"""``create_app(settings, reviewer) -> AsyncApp``: the bolt app, its listeners, one error handler.

``build_bot`` returns the ``BrandBot`` behind the app (context, queues, lifecycle); ``create_app``
is the same, returning just the ``AsyncApp``; ``bot_for(app)`` gets the ``BrandBot`` back.

Listeners run before the acknowledgement goes out (``process_before_response=True``) but only
classify and journal, so acks take milliseconds; reviews run in ``bot.jobs`` workers, inference
off the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.middleware.authorization.async_single_team_authorization import (
    AsyncSingleTeamAuthorization,
)
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.ack_budget import JournalUnavailable, off_loop
from bot.alerts import Alerter
from bot.channels import ChannelDirectory
from bot.clients import trusted_hosts, web_client
from bot.context import BotContext
from bot.digest import DigestScheduler, send_digest
from bot.errors import ErrorReporter, install_log_masking
from bot.files import FileFetcher
from bot.guide_reload import GuideWatcher
from bot.jobs import (
    ExecutorReviewService,
    JobQueue,
    ReviewerLike,
    ReviewService,
    SharedTokenBucket,
    TokenBucket,
)
from bot.listeners import actions, commands, events, shortcuts
from bot.retry import is_retryable
from bot.settings import Settings
from bot.storage.audit import AuditLog
from bot.storage.channel_policy import ChannelPolicy
from bot.storage.digests import DigestClaims
from bot.storage.history import ReviewHistory
from bot.storage.signoffs import Signoffs
from bot.storage.votes import Votes
from bot.store import Store
from bot.workflows import Workflows

log = logging.getLogger(__name__)


def _one_line_reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


_BOTS: weakref.WeakKeyDictionary[AsyncApp, BrandBot] = weakref.WeakKeyDictionary()


@dataclass
class BrandBot:
    app: AsyncApp
    ctx: BotContext
    workflows: Workflows
    reviews: JobQueue
    alerts: JobQueue
    owns_service: bool
    owns_client: bool = False
    started: bool = False
    start_retry_s: float = 300.0  # how long start() keeps retrying an unreachable Slack
    _session: aiohttp.ClientSession | None = None
    _maintenance: asyncio.Task[None] | None = None
    digest: DigestScheduler | None = None
    _lifecycle: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> None:
        """Learn who we are (auth.test), then resume unfinished jobs and start the workers."""
        if self.started:
            return
        if self.owns_client and self.ctx.client.session is None:
            # one connection pool for every Web API call (slack_sdk otherwise opens and closes
            # a connection, and a TLS handshake, per call)
            self._session = aiohttp.ClientSession()
            self.ctx.client.session = self._session
        try:
            auth = await self._auth_test_with_retry()
        except BaseException:
            await self._close_session()  # no "Unclosed client session" after a failed start
            raise
        self.ctx.bot_user_id = auth.get("user_id")
        self.ctx.bot_id = auth.get("bot_id")
        self.ctx.team_id = auth.get("team_id")
        self._share_auth_test(auth)
        await self.ctx.refresh_policy()  # the stored channel policy's first snapshot
        await self.reviews.start()
        await self.alerts.start()
        models = getattr(getattr(self.ctx.service, "reviewer", None), "models", None)
        if models is not None and hasattr(models, "on_budget_spent"):
            # hosted inference: one manager notice when the day's request budget is spent
            loop = asyncio.get_running_loop()
            models.on_budget_spent = partial(self.ctx.alerter.notice_from_thread, loop)
        self._maintenance = asyncio.create_task(self._maintain(), name="brandbot-retention")
        self._start_lifecycle()
        self.started = True
        log.info(
            "brandbot ready as %s (%s); watching %s",
            self.ctx.bot_user_id,
            self.ctx.reviewer_status or "reviewer",
            ", ".join(self.ctx.settings.watched_channels) or "no channels",
        )

    def _start_lifecycle(self) -> None:
        """Issue 13's background loops: the weekly digest check, the guide file check."""
        if self.digest is not None and self.digest.enabled:
            self._lifecycle.append(asyncio.create_task(self.digest.run(), name="brandbot-digest"))
        watcher = self.ctx.guide_watcher
        if watcher is not None and self.ctx.settings.guide_poll_s > 0:
            self._lifecycle.append(asyncio.create_task(watcher.run(), name="brandbot-guide"))

    def _stop_lifecycle(self) -> None:
        for task in self._lifecycle:
            task.cancel()
        self._lifecycle.clear()

    async def _maintain(self, every_s: float = 3600.0) -> None:
        """The scheduled retention job, hourly from the start: reviews older than
        ``BRANDBOT_HISTORY_DAYS`` leave the history; delivery ids, post intents and finished
        jobs older than a week (Slack retries within minutes) leave the dedupe tables. Every
        replica runs it; the deletes are idempotent."""
        while True:
            try:
                await asyncio.to_thread(self.run_retention)
            except Exception:
                log.exception("the retention job failed; trying again in an hour")
            await asyncio.sleep(every_s)

    def run_retention(self, now: float | None = None) -> dict[str, int]:
        """One pass of the retention job (see ``_maintain``); returns what was deleted."""
        now = time.time() if now is None else now
        out = {"deliveries": self.ctx.store.prune_deliveries(7 * 86400, now=now)}
        out["post_intents"] = self.ctx.store.prune_post_intents(7 * 86400, now=now)
        out["jobs"] = self.ctx.store.prune_jobs(7 * 86400, now=now)
        days = self.ctx.settings.history_days
        if days > 0 and self.ctx.history is not None:
            out["reviews"] = self.ctx.history.delete_older_than(now - days * 86400)
            if out["reviews"]:
                log.info("retention: %d review(s) older than %d days deleted", out["reviews"], days)
        return out

    def kill(self) -> None:
        """Stop dead, as SIGKILL would: no job handed back, no lease released (tests of
        takeover: the other replicas take the jobs over when the leases expire)."""
        self._stop_lifecycle()
        self.reviews.abandon()
        self.alerts.abandon()
        for task in [*self.ctx._background, self._maintenance]:
            if task is not None:
                task.cancel()
        self.started = False

    async def stop(self, *, grace_s: float = 5.0, close_store: bool = True) -> None:
        if self._maintenance is not None:
            self._maintenance.cancel()
        self._stop_lifecycle()
        await self.reviews.stop(grace_s=grace_s)
        await self.alerts.stop(grace_s=min(grace_s, 1.0))
        for task in list(self.ctx._background):
            task.cancel()
        if self.owns_service:
            await self.ctx.service.aclose()
        if close_store:
            self.ctx.store.close()
        await self._close_session()
        self.started = False

    def _share_auth_test(self, auth: Any) -> None:
        """Give bolt the auth.test answer we already have: its single-team authorization
        otherwise calls auth.test itself on the first requests, once per request of the first
        burst (8 at once), before any of them has cached the answer."""
        for middleware in getattr(self.app, "_async_middleware_list", []):
            if isinstance(middleware, AsyncSingleTeamAuthorization):
                middleware.auth_test_result = auth

    async def _close_session(self) -> None:
        if self._session is not None:
            self.ctx.client.session = None
            await self._session.close()
            self._session = None

    async def _auth_test_with_retry(self) -> Any:
        """auth.test; while Slack cannot be reached (connection refused, DNS, timeout, 5xx),
        retry with backoff for up to ``start_retry_s`` seconds, one log line per attempt.
        A token Slack rejects is a RuntimeError at once."""
        deadline = time.monotonic() + self.start_retry_s
        delay = 1.0
        attempt = 1
        while True:
            try:
                return await self.ctx.client.auth_test()
            except SlackApiError as exc:
                status = getattr(exc.response, "status_code", 200)
                if status < 500:
                    raise RuntimeError(
                        f"Slack rejected the bot token (auth.test: {exc.response.get('error')}); "
                        "check SLACK_BOT_TOKEN"
                    ) from None
                reason = f"HTTP {status}"
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                reason = _one_line_reason(exc)
            url = self.ctx.client.base_url
            if time.monotonic() + delay > deadline:
                raise RuntimeError(
                    f"Slack is unreachable at {url} ({reason}); gave up after {attempt} "
                    "attempts. Check the network, a proxy, or BRANDBOT_SLACK_API_URL"
                ) from None
            log.warning(
                "Slack unreachable at %s (%s); retrying in %.0fs (attempt %d)",
                url,
                reason,
                delay,
                attempt,
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
            attempt += 1
        self.started = False

    async def idle(self, timeout: float = 30.0) -> None:
        """Wait until every journalled review and alert is done (tests, benchmarks)."""
        await self.reviews.join(timeout)
        await self.alerts.join(timeout)

    @property
    def ready(self) -> bool:
        return self.started and self.ctx.service.ready


def create_app(
    settings: Settings,
    reviewer: ReviewerLike,
    *,
    client: AsyncWebClient | None = None,
    service: ReviewService | None = None,
    store: Store | None = None,
) -> AsyncApp:
    return build_bot(settings, reviewer, client=client, service=service, store=store).app


def bot_for(app: AsyncApp) -> BrandBot:
    return _BOTS[app]


class _DropMessage(logging.Filter):
    """Drops log records whose message is exactly ``text``."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != self.text


def build_bot(
    settings: Settings,
    reviewer: ReviewerLike,
    *,
    client: AsyncWebClient | None = None,
    service: ReviewService | None = None,
    store: Store | None = None,
) -> BrandBot:
    install_log_masking(settings.secrets)
    owns_client = client is None
    client = client or web_client(
        settings.bot_token, settings.api_base_url, max_wait_s=settings.max_retry_after_s
    )
    store = store or Store(settings.database, owner=settings.replica_id or None)
    owns_service = service is None
    service = service or ExecutorReviewService(reviewer, threads=settings.models.threads or 1)
    reporter = ErrorReporter(client, webhook_hosts=trusted_hosts(settings.slack_api_url))
    alerter = Alerter(settings, store, client, alert_pacer(settings, store))
    fetcher = FileFetcher.for_api_url(
        settings.bot_token or "", settings.slack_api_url, max_bytes=settings.max_file_bytes
    )
    ctx = BotContext(
        settings=settings,
        store=store,
        client=client,
        service=service,
        guide=reviewer.guide,
        reporter=reporter,
        alerter=alerter,
        fetcher=fetcher,
        reviewer_status=str(getattr(reviewer, "models_status", "")),
        channels=ChannelDirectory(client, store=store if store.db.is_postgres else None),
        history=ReviewHistory(store.db),
        model_version=model_version(reviewer, service),
        guide_version=guide_version(settings, reviewer.guide),
    )
    audit = AuditLog(store.db)
    ctx.audit = audit
    ctx.policy = ChannelPolicy(store.db, audit)
    ctx.signoffs = Signoffs(store.db, audit)
    ctx.votes = Votes(store.db, audit)
    ctx.reviewer = reviewer
    guide_file = settings.guide_path or getattr(reviewer.guide, "source", None)
    if guide_file is not None and Path(guide_file).is_file():
        ctx.guide_watcher = GuideWatcher(
            Path(guide_file), ctx.set_guide, every_s=max(settings.guide_poll_s, 0.5)
        )
    workflows = Workflows(ctx)
    # leases: PostgreSQL is shared by replicas, so poll for jobs nobody holds every second;
    # a SQLite file has one process, whose retries are scheduled locally (a slow poll suffices)
    lease_s, poll_s = settings.job_lease_s, 1.0 if store.db.is_postgres else 5.0
    ctx.reviews = JobQueue(
        store,
        workflows.handle,
        lane="review",
        workers=settings.workers,
        capacity=settings.queue_size,
        on_failure=workflows.on_failure,
        is_retryable=is_retryable,
        gate=ctx.gate,
        lease_s=lease_s,
        poll_s=poll_s,
        slow_kinds=frozenset({"file"}),  # an upload may wait up to 20 s for its parse
    )
    ctx.alerts = JobQueue(
        store,
        alerter.handle,
        lane="alert",
        workers=1,
        capacity=1_000_000,  # alerts are paced, never dropped
        on_failure=workflows.on_failure,
        is_retryable=is_retryable,
        max_attempts=8,
        gate=ctx.gate,
        lease_s=lease_s,
        poll_s=poll_s,
    )
    alerter.queue = ctx.alerts
    alerter.on_digest = partial(send_digest, ctx)
    digest = DigestScheduler(ctx, DigestClaims(store.db), owner=store.owner)

    bolt_log = logging.getLogger("bot.bolt")
    # bolt also reads SLACK_BOT_TOKEN from the environment and warns that the client we pass
    # wins over it: true, expected, and noise before our own messages; that one line is dropped
    quiet = _DropMessage(warning_client_prioritized_and_token_skipped())
    bolt_log.addFilter(quiet)
    try:
        app = AsyncApp(
            client=client,
            signing_secret=settings.signing_secret or "unused-in-socket-mode",
            process_before_response=True,
            request_verification_enabled=settings.mode == "http",
            logger=bolt_log,
        )
    finally:
        bolt_log.removeFilter(quiet)
    register_middleware(app, ctx)
    # events first: bolt tries listeners in registration order, building their arguments for
    # each, and events are the bulk of the traffic (a burst of drafts). The catch-all event
    # listener only ever matches events, so commands and shortcuts still reach their own.
    events.register(app, ctx)
    commands.register(app, ctx)
    shortcuts.register(app, ctx)
    actions.register(app, ctx)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any], context: dict[str, Any]) -> None:
        # the one error handler: a reference id for the user, the details in the log. Only a
        # request that passed bolt's built-in middleware (signature verification included) is
        # answered: an error raised while verifying must never act on the unverified body.
        verified = context.get(VERIFIED) is True and isinstance(body, dict)
        if isinstance(error, JournalUnavailable):
            # a slow or unavailable database: the transport does not acknowledge the delivery
            # (Slack retries events); no apology per retry, a person who asked is told to retry
            log.warning("delivery not journalled in time (%s); not acknowledged", error)
            url = body.get("response_url") if verified else None
            if isinstance(url, str) and url:
                ctx.spawn(ctx.notify_busy_response_url(url))
            return
        await reporter.report(error, body=body if verified else None)

    bot = BrandBot(
        app=app,
        ctx=ctx,
        workflows=workflows,
        reviews=ctx.reviews,
        alerts=ctx.alerts,
        owns_service=owns_service,
        owns_client=owns_client,
        digest=digest,
    )
    _BOTS[app] = bot
    return bot


VERIFIED = "brandbot_verified"


def alert_pacer(settings: Settings, store: Store) -> TokenBucket | SharedTokenBucket:
    """Alert pacing: in the shared database when replicas share one (PostgreSQL), so together
    they send at BRANDBOT_ALERT_RATE; in memory for the single process of a SQLite file."""
    rate, burst = settings.alert_rate_per_s, settings.alert_burst
    if store.db.is_postgres:
        return SharedTokenBucket(store, "alerts", rate, burst)
    return TokenBucket(rate, burst)


def model_version(reviewer: ReviewerLike, service: ReviewService) -> str | None:
    """What the history records as the model version: the engine's weights + precision when
    there is one, else the reviewer's status line ("rules only", "embedded models ...")."""
    version = getattr(service, "version", None)
    if isinstance(version, str) and version:
        return version
    status = getattr(reviewer, "models_status", None)
    return str(status)[:200] if status else None


def guide_version(settings: Settings, guide: Any) -> str | None:
    """The guide's name and the first 12 hex digits of its file's SHA-256."""
    from analyzers import default_guide_path

    path = settings.guide_path or default_guide_path()
    name = str(getattr(guide, "name", "") or "guide")
    try:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
    except OSError:
        return name
    return f"{name}@{digest}"


def register_middleware(app: AsyncApp, ctx: BotContext) -> None:
    async def mark_verified(context: dict[str, Any], next: Callable[[], Awaitable[None]]) -> None:
        """Custom middleware runs after bolt's built-in chain (signature verification in HTTP
        mode; Socket Mode deliveries come over the app-token websocket): reaching it means the
        request is authentic, and the error handler may answer its user."""
        context[VERIFIED] = True
        await next()

    app.middleware(mark_verified)

    async def drop_malformed_interactions(
        body: dict[str, Any], next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        """A ``block_actions`` payload bolt's listener matching cannot read (actions that are
        not objects with a string ``action_id``, no ``user`` object): acknowledged and dropped
        here, before the matchers would fail on it."""
        block_actions = isinstance(body, dict) and body.get("type") == "block_actions"
        if block_actions and not well_formed_actions(body):
            log.info("malformed block_actions payload acknowledged and dropped")
            return BoltResponse(status=200, body="")
        await next()
        return None

    app.middleware(drop_malformed_interactions)

    async def dedupe_deliveries(
        body: dict[str, Any], next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        """Slack retries events (``X-Slack-Retry-Num``), reconnects redeliver them and envelopes
        can be duplicated: an event id seen before is acknowledged and dropped."""
        event_id = body.get("event_id") if isinstance(body, dict) else None
        if (
            isinstance(event_id, str)
            and 0 < len(event_id) <= 100
            and await off_loop(ctx.store.seen, f"event:{event_id}")
        ):
            log.debug("duplicate delivery of %s dropped", event_id)
            return BoltResponse(status=200, body="")
        await next()
        return None

    app.middleware(dedupe_deliveries)


def well_formed_actions(body: dict[str, Any]) -> bool:
    """The shape bolt's ``block_actions`` matchers and our listener rely on."""
    actions, user = body.get("actions"), body.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        return False
    if not isinstance(actions, list) or not actions:
        return False
    return all(
        isinstance(a, dict)
        and isinstance(a.get("action_id"), str)
        and isinstance(a.get("block_id", ""), str)
        for a in actions
    )
