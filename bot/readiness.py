"""What ``/readyz`` reports: the bot, the database and, with hosted inference, the remote hosts.

* **database** — one ``SELECT 1`` (off the event loop, at most ``timeout_s``). A replica that
  cannot reach its database cannot journal a delivery before acknowledging it, so it is *not
  ready* (503): the load balancer sends Slack's requests to the replicas that are.
* **remote** — each remote host (the Inference Providers router, an endpoint, a TEI server) is
  probed with a TCP connection only: no request, so no token is sent and no budget is spent.
  An unreachable host is reported but does not make the replica unready: reviews fall back to
  the embedded models (and every replica shares the same remote, so taking one out of the pool
  would not help).

A healthy result is cached for ``cache_s`` so a busy health checker costs little; a failed one
is checked again on the next probe, so a replica is back in the pool as soon as it can be.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bot.settings import Settings
from bot.store import Store


@dataclass
class Readiness:
    settings: Settings
    store: Store
    timeout_s: float = 2.0
    cache_s: float = 5.0
    _cached: tuple[float, dict[str, Any]] | None = field(default=None, repr=False)

    def remote_hosts(self) -> list[tuple[str, int]]:
        remote = self.settings.remote
        if remote is None or not remote.targets:
            return []
        urls = {remote.base_url if t.kind == "router" else t.model for t in remote.targets.values()}
        out = set()
        for url in urls:
            parts = urlsplit(url)
            if parts.hostname:
                out.add((parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)))
        return sorted(out)

    async def check(self) -> dict[str, Any]:
        """``{"database": {...}, "remote": {...}?}``; cached for ``cache_s`` when healthy."""
        now = time.monotonic()
        if self._cached is not None and now - self._cached[0] < self.cache_s:
            return self._cached[1]
        report: dict[str, Any] = {"database": await self._database()}
        hosts = self.remote_hosts()
        if hosts:
            results = await asyncio.gather(*(self._host(h, p) for h, p in hosts))
            report["remote"] = {f"{h}:{p}": r for (h, p), r in zip(hosts, results, strict=True)}
        if report["database"].get("ok"):
            self._cached = (now, report)  # a failure is checked again on the next probe
        return report

    async def _database(self) -> dict[str, Any]:
        db = self.store.db
        out: dict[str, Any] = {"backend": db.dialect}
        started = time.perf_counter()
        try:
            await asyncio.wait_for(asyncio.to_thread(db.ping), self.timeout_s)
        except TimeoutError:
            out.update(ok=False, error=f"no answer in {self.timeout_s:.0f}s")
        except Exception as exc:
            out.update(ok=False, error=type(exc).__name__)
        else:
            out.update(ok=True, ms=round(1000 * (time.perf_counter() - started), 1))
        return out

    async def _host(self, host: str, port: int) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), self.timeout_s)
        except (OSError, TimeoutError) as exc:
            reason = "timeout" if isinstance(exc, TimeoutError) else type(exc).__name__
            return {"reachable": False, "error": reason, "fallback": "embedded models"}
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return {"reachable": True, "ms": round(1000 * (time.perf_counter() - started), 1)}
