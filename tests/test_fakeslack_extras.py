"""The local Slack's additions for issue 10: faults after the effect, metadata only on request,
and a loud note when Slack's spec is missing."""

from __future__ import annotations

from pathlib import Path

from fakeslack import FakeSlack


async def test_summary_says_when_the_spec_is_missing(tmp_path: Path) -> None:
    async with FakeSlack(spec_path=tmp_path / "missing.json") as fake:
        assert not fake.spec_loaded
        assert "spec=MISSING" in fake.summary()


async def test_history_returns_metadata_only_when_asked() -> None:
    async with FakeSlack() as fake:
        fake.check_violations_on_exit = False
        client = fake.web_client()
        meta = {"event_type": "t", "event_payload": {"job": "k"}}
        await client.chat_postMessage(channel="C0GENERAL", text="hi", metadata=meta)
        plain = await client.conversations_history(channel="C0GENERAL")
        assert "metadata" not in plain["messages"][0]
        full = await client.conversations_history(channel="C0GENERAL", include_all_metadata=True)
        assert full["messages"][0]["metadata"] == meta
