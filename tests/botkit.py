"""Test helpers for the bot: synthetic reviews, a small fake reviewer, and a bot wired to the
local Slack (``fakeslack``) in Socket Mode or HTTP mode."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

from analyzers import (
    Draft,
    Entity,
    Finding,
    Review,
    SentimentResult,
    Severity,
    Span,
    ToneProfile,
    Verdict,
)


def finding(
    matched: str,
    *,
    rule: str = "Brand.Test",
    category: str = "terminology",
    severity: Severity = Severity.WARNING,
    message: str | None = None,
    suggestions: tuple[str, ...] = (),
    start: int = 0,
    link: str | None = None,
) -> Finding:
    return Finding(
        rule_id=rule,
        category=category,
        severity=severity,
        message=message or f"Avoid '{matched}'",
        span=Span(start, start + len(matched)),
        matched=matched,
        suggestions=suggestions,
        link=link,
    )


def make_review(
    findings: Sequence[Finding] = (),
    *,
    text: str = "A draft.",
    score: float = 90.0,
    verdict: Verdict = Verdict.PASS,
    sentiment: str | None = "positive",
    negative: float = 0.05,
) -> Review:
    return Review(
        draft=Draft(text=text, id="d1"),
        findings=tuple(findings),
        category_scores={"terminology": score, "tone": 80.0},
        score=score,
        verdict=verdict,
        word_count=len(text.split()),
        sentiment=None
        if sentiment is None
        else SentimentResult(
            label=sentiment,
            confidence=0.9,
            scores={"positive": 0.9 - negative, "neutral": 0.1, "negative": negative},
        ),
        tone=ToneProfile(formality=0.4, confidence=0.8, emotions={"joy": 0.6}, voice_match=0.7),
        entities=(Entity(text="Acme", label="ORG", span=Span(0, 4), source="guide"),),
    )


@dataclass
class FakeGuide:
    name: str = "Test guide"
    profiles: dict[str, Any] = field(default_factory=lambda: {"social": {}})
    channels: dict[str, str] = field(default_factory=lambda: {"C0SOCIAL": "social"})
    links: dict[str, str] = field(default_factory=lambda: {"guide": "https://example.com/g"})

    def profile_for_channel(self, channel_id: str, channel_name: str | None = None) -> str | None:
        return self.channels.get(channel_id)


class FakeReviewer:
    """Deterministic, fast: every word in ``BAD`` is a finding; 'competitor' is an error.

    Score = 100 - 15 per finding; verdict pass >= 80, fail < 50. Records every call (thread name
    included, to prove inference runs off the event loop)."""

    BAD: ClassVar[dict[str, str | None]] = {
        "synergy": "teamwork",
        "leverage": "use",
        "utilize": "use",
        "brightline": None,
    }

    def __init__(self, delay_s: float = 0.0, *, busy: bool = False) -> None:
        self.guide = FakeGuide()
        self.models_status = "fake reviewer"
        self.delay_s = delay_s
        self.busy = busy  # burn CPU holding the GIL (like pure-Python work) instead of sleeping
        self.calls: list[tuple[int, str | None, str]] = []
        self.lock = threading.Lock()

    def review(self, drafts: Sequence[Draft], *, profile: str | None = None) -> list[Review]:
        import time

        with self.lock:
            self.calls.append((len(drafts), profile, threading.current_thread().name))
        if self.delay_s and self.busy:
            end = time.perf_counter() + self.delay_s * len(drafts)
            while time.perf_counter() < end:
                sum(i * i for i in range(200))
        elif self.delay_s:
            time.sleep(self.delay_s * len(drafts))
        out = []
        for d in drafts:
            found = []
            lower = d.text.lower()
            for word, fix in self.BAD.items():
                i = lower.find(word)
                if i >= 0:
                    sev = Severity.ERROR if word == "brightline" else Severity.WARNING
                    found.append(
                        finding(
                            d.text[i : i + len(word)],
                            rule=f"Brand.{word}",
                            severity=sev,
                            suggestions=(fix,) if fix else (),
                            start=i,
                        )
                    )
            score = max(0.0, 100.0 - 15 * len(found))
            verdict = (
                Verdict.PASS
                if score >= 80 and not any(f.severity is Severity.ERROR for f in found)
                else (Verdict.FAIL if score < 50 else Verdict.NEEDS_WORK)
            )
            r = make_review(found, text=d.text, score=score, verdict=verdict)
            out.append(replace(r, draft=d, profile=profile))
        return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def settings_for(fake: Any, db: Path, **over: Any) -> Any:
    from bot.settings import Settings

    env = {
        "SLACK_BOT_TOKEN": fake.bot_token,
        "SLACK_APP_TOKEN": fake.app_token,
        "SLACK_SIGNING_SECRET": fake.signing_secret,
        "BRANDBOT_SLACK_API_URL": fake.base_url,
        "BRANDBOT_WATCHED_CHANNELS": "C0DRAFTS",
        "BRANDBOT_MIN_WORDS": "5",
        "BRANDBOT_MANAGER_IDS": "U0MANAGER",
        "BRANDBOT_ALERT_CHANNEL": "C0ALERTS",
        "BRANDBOT_DB_PATH": str(db),
        "BRANDBOT_MAX_RETRY_AFTER": "2",
        "BRANDBOT_ALERT_RATE": "50",
        "BRANDBOT_ALERT_BURST": "5",
        # the weekly digest is due as soon as a test starts after its hour: off unless a test
        # turns it on (tests/test_e2e_digest.py)
        "BRANDBOT_DIGEST_TO": "off",
    }
    env.update({k: str(v) for k, v in over.items()})
    return Settings.from_env(env, dotenv_path=None)


async def wait_until(predicate: Any, timeout: float = 5.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.01)


# -- end-to-end harness ------------------------------------------------------------------------

GOOD = "Our team ships a calm, clear update for every customer this week."
BAD = "We leverage synergy to beat Brightline, guaranteed! Our product is the best."
FIXED = "We use teamwork to help customers, and our product is the best."


class Harness:
    """The real app (``bot.app.build_bot``) wired to a ``FakeSlack`` in one transport."""

    def __init__(self, fake: Any, tmp: Path, mode: str, reviewer: Any, **settings: Any) -> None:
        self.fake = fake
        self.tmp = tmp
        self.mode = mode
        self.reviewer = reviewer
        self.db = tmp / "brandbot.sqlite3"
        self.settings = settings_for(fake, self.db, BRANDBOT_MODE=mode, **settings)
        self.bot: Any = None
        self._socket: Any = None
        self._web: Any = None

    async def start(self) -> Harness:
        from bot.app import build_bot
        from bot.runners import SocketModeRunner, start_http

        self.bot = build_bot(self.settings, self.reviewer)
        await self.bot.start()
        if self.mode == "socket":
            self.fake.use_socket()
            self._socket = SocketModeRunner(self.bot, self.fake.app_token)
            await self._socket.connect()
            await self.fake.wait_for_socket()
        else:
            port = free_port()
            self._web = await start_http(self.bot, "127.0.0.1", port)
            self.url = f"http://127.0.0.1:{port}"
            self.fake.use_http(f"{self.url}/slack/events", self.fake.signing_secret)
        return self

    async def stop(self, grace_s: float = 5.0) -> None:
        if self._socket is not None:
            await self._socket.close()
            self._socket = None
        if self._web is not None:
            await self._web.cleanup()
            self._web = None
        if self.bot is not None:
            await self.bot.stop(grace_s=grace_s)
            self.bot = None

    async def restart(self, grace_s: float = 0.0) -> None:
        await self.stop(grace_s=grace_s)
        await self.start()

    async def idle(self, timeout: float = 10.0) -> None:
        await self.bot.idle(timeout)

    async def __aenter__(self) -> Harness:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


_REAL: Any = None


def real_reviewer() -> Any:
    """The real ``analyzers.Reviewer`` on the example guide, rules only (fast), built once."""
    global _REAL
    if _REAL is None:
        from analyzers import Reviewer, default_guide_path, load_guide

        _REAL = Reviewer(load_guide(default_guide_path()), None)
        _REAL.review([Draft(GOOD)])  # compile the rules once
    return _REAL


@contextlib.asynccontextmanager
async def running(
    fake: Any, tmp: Path, mode: str, reviewer: Any, **settings: Any
) -> AsyncIterator[Harness]:
    """A started ``Harness``, stopped on the way out."""
    h = Harness(fake, tmp, mode, reviewer, **settings)
    await h.start()
    try:
        yield h
    finally:
        await h.stop()
