"""The request budget: a daily allowance and a per-minute rate, as the free tier has.

``acquire()`` returns how long to wait for the per-minute window (0 when a request may go now)
or raises :class:`BudgetSpent` when the day's allowance is used. The first time the allowance
runs out on a given UTC day, ``on_spent`` is called once (the bot alerts managers).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import deque
from collections.abc import Callable


class BudgetSpent(RuntimeError):
    """The daily request budget is used up."""


class RequestBudget:
    def __init__(
        self,
        daily: int,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], dt.date] = lambda: dt.datetime.now(dt.UTC).date(),
        on_spent: Callable[[str], None] | None = None,
    ) -> None:
        self.daily = daily
        self.per_minute = per_minute
        self.clock = clock
        self.today = today
        self.on_spent = on_spent
        self._day = today()
        self.used_today = 0
        self._recent: deque[float] = deque()
        self._alerted: dt.date | None = None
        self._lock = threading.Lock()

    @property
    def reason(self) -> str:
        return f"daily budget of {self.daily} requests spent"

    def acquire(self) -> float:
        """Count one request now and return 0, or return the wait (nothing counted) when the
        per-minute rate is reached; raise :class:`BudgetSpent` when the day is used up."""
        alert: str | None = None
        with self._lock:
            day = self.today()
            if day != self._day:
                self._day, self.used_today = day, 0
            if self.daily and self.used_today >= self.daily:
                if self._alerted != day:
                    self._alerted = day
                    alert = (
                        f"brandbot's hosted-inference budget for {day.isoformat()} is spent "
                        f"({self.daily} requests): reviews use the embedded models until "
                        "midnight UTC. Raise BRANDBOT_REMOTE_DAILY_BUDGET to allow more."
                    )
                wait = -1.0
            else:
                now = self.clock()
                while self._recent and now - self._recent[0] >= 60.0:
                    self._recent.popleft()
                if self.per_minute and len(self._recent) >= self.per_minute:
                    wait = 60.0 - (now - self._recent[0])
                else:
                    self._recent.append(now)
                    self.used_today += 1
                    wait = 0.0
        if wait < 0:
            if alert is not None and self.on_spent is not None:
                self.on_spent(alert)
            raise BudgetSpent(self.reason)
        return max(wait, 0.0)
