"""The guide reloads without a restart: after an accepted suggestion, and when the file is
edited on disk (polled every ``BRANDBOT_GUIDE_POLL`` seconds: size + mtime, then SHA-256).

A guide that fails to load is logged (with its ``file:line: key: problem``) and the running
guide is kept; the next edit is tried again. Loading runs in a thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from analyzers import GuideError, load_guide
from bot.guide_file import MAX_GUIDE_BYTES  # a guide is a few kB; a bigger one is not read

log = logging.getLogger(__name__)


def swap_guide(targets: list[Any], guide: Any) -> None:
    """Give every reviewer (a ``Reviewer`` or a service holding one) the new guide."""
    seen: set[int] = set()
    for target in targets:
        for obj in (target, getattr(target, "reviewer", None)):
            if obj is None or id(obj) in seen:
                continue
            seen.add(id(obj))
            replace = getattr(obj, "replace_guide", None)
            if callable(replace):
                replace(guide)


class GuideWatcher:
    def __init__(self, path: Path, on_load: Callable[[Any], None], *, every_s: float) -> None:
        self.path = Path(path)
        self.on_load = on_load
        self.every_s = every_s
        self._stat: tuple[int, int] | None = None
        self._sha: str | None = None
        self.loads = 0
        try:
            self._stat = self._stat_now()
            self._sha = hashlib.sha256(self.path.read_bytes()).hexdigest()
        except OSError:
            pass

    def _stat_now(self) -> tuple[int, int]:
        st = self.path.stat()
        return st.st_mtime_ns, st.st_size

    def check(self, *, force: bool = False) -> bool:
        """Reload when the file changed (or ``force``); True when a new guide was loaded."""
        try:
            stat = self._stat_now()
        except OSError as exc:
            log.warning("cannot stat the guide %s: %s", self.path, exc)
            return False
        if stat == self._stat and not force:
            return False
        self._stat = stat
        if stat[1] > MAX_GUIDE_BYTES:
            log.error(
                "the guide %s is %d bytes (the limit is %d); keeping the running one",
                self.path,
                stat[1],
                MAX_GUIDE_BYTES,
            )
            return False
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            log.warning("cannot read the guide %s: %s", self.path, exc)
            return False
        sha = hashlib.sha256(data).hexdigest()
        if sha == self._sha and not force:
            return False
        try:
            guide = load_guide(self.path)
        except GuideError as exc:
            log.error("the edited guide is not valid; keeping the running one:\n%s", exc)
            return False
        self._sha = sha
        self.on_load(guide)
        self.loads += 1
        log.info("guide %s reloaded (sha256 %s)", self.path, sha[:12])
        return True

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.every_s)
            try:
                await asyncio.to_thread(self.check)
            except Exception:
                log.exception("the guide check failed")
