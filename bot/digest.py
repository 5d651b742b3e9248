"""The weekly digest, scheduled inside the bot: each manager by DM and/or the alert channel
(``BRANDBOT_DIGEST_TO``) get a summary and one chart per watched channel, once a week at
``BRANDBOT_DIGEST_DAY`` / ``_HOUR`` in ``BRANDBOT_DIGEST_TZ``.

Exactly once across replicas and restarts:

1. every replica checks once a minute whether this week's digest is due (the period is the ISO
   week in the digest's time zone: ``2026-W48``);
2. it claims the period (``digest_periods``, primary key: one replica wins) *before* sending;
3. the period's digest is a journalled job keyed ``digest:<period>`` in the alert lane (unique
   key: queued once; a replica that dies mid-way has it taken over when its lease expires, a
   restart resumes it), and each target is recorded once its message is sent, so a resumed
   digest skips them.

A bot that was down at the hour sends the week's digest when it comes back (the claim is the
record of what was sent). A fresh install does not: the first check records the installation's
first start (``DigestClaims.first_start``), and a period whose send time passed before it is
skipped, so the first digest goes out at the next configured day and hour.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot import blocks, lifecycle_blocks
from bot.charts import chart_alt_text, render_chart
from bot.fanout import to_each
from bot.insights import compute_insights, tone_targets
from bot.posting import post_once_or_plain
from bot.stats import upload_chart
from bot.storage.digests import DigestClaims
from bot.store import Job

log = logging.getLogger(__name__)
MAX_CHANNEL_CHARTS = 10
DIGEST_METADATA_TYPE = "brandbot_digest"


def due_period(settings: Any, now: float, first_start: float | None = None) -> str | None:
    """This week's period when its digest time has come (else None). A period whose send
    time passed before ``first_start`` (the installation's first check) is not due: a fresh
    install sends its first digest at the next configured time, never at once."""
    tz = ZoneInfo(settings.digest_tz)
    local = datetime.fromtimestamp(now, tz)
    monday = (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    at = monday + timedelta(days=settings.digest_day, hours=settings.digest_hour)
    if local < at:
        return None
    if first_start is not None and first_start > at.timestamp():
        return None
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


class DigestScheduler:
    def __init__(self, ctx: Any, claims: DigestClaims, owner: str) -> None:
        self.ctx = ctx
        self.claims = claims
        self.owner = owner
        self._first_start: float | None = None

    @property
    def enabled(self) -> bool:
        s = self.ctx.settings
        return bool(s.digest_to) and bool(s.manager_ids or s.alert_channel)

    async def tick(self, now: float | None = None) -> str | None:
        """Claim and queue the due digest; the period when this call queued it."""
        if not self.enabled or self.ctx.alerts is None:
            return None
        now = time.time() if now is None else now
        if self._first_start is None:
            self._first_start = await asyncio.to_thread(self.claims.first_start, now)
        period = due_period(self.ctx.settings, now, self._first_start)
        if period is None:
            return None
        await asyncio.to_thread(self.claims.claim, period, self.owner)
        key = f"digest:{period}"
        # the claim row exists (ours or another replica's); the job's unique key makes the
        # digest one job, queued by whichever replica gets here first
        if await asyncio.to_thread(self.ctx.store.job_exists, key):
            return None
        result = await self.ctx.alerts.asubmit(key, "digest", {"period": period, "until": now})
        return period if result.name == "ACCEPTED" else None

    async def run(self, every_s: float = 60.0) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("the digest check failed; trying again in a minute")
            await asyncio.sleep(every_s)


def watched_channel_ids(ctx: Any) -> list[str]:
    ids = [c for c in ctx.settings.watched_channels if c[:1] in "CG" and not c.startswith("#")]
    for rule in ctx.policy_rules().values():
        if rule.channel in ids and not rule.watched:
            ids.remove(rule.channel)
        elif rule.watched and rule.channel[:1] in "CG" and rule.channel not in ids:
            ids.append(rule.channel)
    return ids


async def send_digest(ctx: Any, job: Job) -> None:
    """The ``digest`` job: a summary + a chart per watched channel, to every target once."""
    s = ctx.settings
    until = float(job.payload.get("until") or time.time())
    period = str(job.payload.get("period") or "")
    targets: list[str] = []
    if "dm" in s.digest_to:
        targets += list(s.manager_ids)
    if "channel" in s.digest_to and s.alert_channel:
        targets.append(s.alert_channel)
    targets_g = tone_targets(ctx.guide)
    overall = await asyncio.to_thread(
        compute_insights, ctx.history, ctx.votes, days=7, targets=targets_g, now=until
    )
    await ctx.refresh_policy()
    # charts for the watched channels only (by id, by name, or all with "*"): a channel or a DM
    # someone reviewed a draft in with a mention or the review reaction is counted in the
    # overall figures, never named
    channels = watched_channel_ids(ctx)
    for ch, _n, _mean in overall.channels:
        if ch in channels or ch.startswith("D") or len(channels) >= MAX_CHANNEL_CHARTS:
            continue
        if ctx.channels is not None and not ctx.is_watched(ch):
            await ctx.channels.name_of(ch, wait_s=2.0)  # a channel watched by its name
        if ctx.is_watched(ch):
            channels.append(ch)
    channels = channels[:MAX_CHANNEL_CHARTS]
    per_channel = []
    for ch in channels:
        ins = await asyncio.to_thread(
            compute_insights, ctx.history, None, days=7, channel=ch, targets=targets_g, now=until
        )
        name = await ctx.channels.name_of(ch, wait_s=2.0) if ctx.channels is not None else None
        title = f"#{name}" if name else ch
        png = await asyncio.to_thread(render_chart, ins, f"{title}: brand score, last 7 days")
        per_channel.append((ch, title, ins, png))
    head = f":bar_chart: *Weekly brand digest* ({blocks.escape(period)})\n" + (
        lifecycle_blocks.insights_text(overall, "All channels")
    )

    async def send(target: str) -> None:
        dest = await ctx.alerter.destination(target)
        key = f"{job.key}:to:{target}"
        if not await asyncio.to_thread(ctx.store.seen, key):
            msg = blocks.message(head, [blocks.section(head)])
            await post_once_or_plain(
                ctx.client,
                job_key=key,
                channel=dest,
                event_type=DIGEST_METADATA_TYPE,
                intents=ctx.store,
                payload={"period": period},
                text=msg["text"],
                blocks=msg["blocks"],
            )
            await asyncio.to_thread(ctx.store.claim, key)
        for ch, title, ins, png in per_channel:
            ckey = f"{key}:chart:{ch}"
            if await asyncio.to_thread(ctx.store.seen, ckey):
                continue
            await upload_chart(
                ctx,
                ckey,
                dest,
                png,
                title=f"{title}: brand score, last 7 days",
                alt=chart_alt_text(ins, title),
                comment=lifecycle_blocks.insights_text(ins, f"<#{ch}>"),
            )
            await asyncio.to_thread(ctx.store.claim, ckey)

    reached = await to_each(targets, send, f"digest {period}")
    log.info("weekly digest %s sent to %d target(s)", period, len(reached))
