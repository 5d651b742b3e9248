"""The newest version of each draft this replica has accepted a job for, so an edit storm
reviews and posts the newest text instead of every one of them: a job whose version an
accepted newer edit has replaced skips its review and its ``chat.update`` (15 quick edits made
14 updates, a good part of ``chat.update``'s rate tier). In memory and bounded: another replica
or a restart forgets, and the draft is then reviewed as before. It also tells a deletion that a
job for the message is under way in a channel nobody watches (a mention, the review
reaction), so the review is not posted under a deleted message."""

from __future__ import annotations

from collections import OrderedDict

from bot.slack_ts import ts_key

KEEP = 10_000  # drafts remembered (the oldest are forgotten first)


class NewestVersions:
    def __init__(self, keep: int = KEEP) -> None:
        self.keep = keep
        self._newest: OrderedDict[tuple[str, str, str], str] = OrderedDict()

    def note(self, channel: str, ts: str, part: str, version: str) -> None:
        key = (channel, ts, part)
        known = self._newest.get(key)
        if known is None or ts_key(version) > ts_key(known):
            self._newest[key] = version
        self._newest.move_to_end(key)
        while len(self._newest) > self.keep:
            self._newest.popitem(last=False)

    def knows(self, channel: str, ts: str) -> bool:
        """A job for this message was accepted here (a delete must reach it in time)."""
        return (channel, ts, "") in self._newest

    def superseded(self, channel: str, ts: str, part: str, version: str) -> bool:
        """A newer version of this draft has a job: this one need not be reviewed."""
        known = self._newest.get((channel, ts, part))
        return known is not None and ts_key(known) > ts_key(version)
