"""Block Kit for the review lifecycle: references parse strictly, the controls fit Slack's
limits whatever the number of findings, user text is escaped, the Home tab stays within 100
blocks."""

from __future__ import annotations

from types import SimpleNamespace

from botkit import FakeGuide, finding, make_review
from fakeslack.blockkit import check_message

from bot import blocks
from bot.lifecycle_blocks import (
    APPROVE,
    VOTE_DISMISS,
    DraftRef,
    home_view,
    lifecycle_actions,
    with_decision,
)


def test_refs_round_trip_and_refuse_anything_else() -> None:
    ref = DraftRef("C0DRAFTS", "1700000000.000100", "", "1700000001.000200")
    assert DraftRef.parse(ref.encode()) == ref
    files = DraftRef("C0DRAFTS", "1700000000.000100", "F0123ABC", "1700000002")
    assert DraftRef.parse(files.encode()) == files
    for bad in (
        None,
        12,
        "",
        "bb1|C0DRAFTS|1.1||1.1|x",
        "bb1|c0drafts|1.1||1.1",
        "bb1|C0DRAFTS|<!here>||1.1",
        "bb2|C0DRAFTS|1.1||1.1",
        "bb1|C0DRAFTS|1.1|../../etc|1.1",
        "bb1|C0DRAFTS|1.1||1.1\n",
        "x" * 5000,
    ):
        assert DraftRef.parse(bad) is None, bad


def test_a_review_with_many_findings_keeps_within_the_limits() -> None:
    many = [
        finding(f"<!channel> word{i} " + "x" * 200, rule=f"Brand.R{i}", start=i * 300)
        for i in range(300)
    ]
    review = make_review(many, score=10.0)
    ref = DraftRef("C0DRAFTS", "1700000000.000100", "", "1700000000.000100")
    tail = lifecycle_actions(review, ref, signoff=True, votes=True)
    msg = blocks.review_message(review, tail=tail)
    assert len(msg["blocks"]) <= 49  # one left for the decision line
    msg["blocks"] = with_decision(msg["blocks"], "decided")
    errors, _, _ = check_message(msg)
    assert errors == []
    [actions] = [b for b in msg["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions["elements"]][:1] == [APPROVE]
    select = next(e for e in actions["elements"] if e["action_id"] == VOTE_DISMISS)
    assert len(select["options"]) == 100
    assert all(len(o["text"]["text"]) <= 75 for o in select["options"])
    # values are positions in the stored review, whatever the order shown
    assert {int(o["value"]) for o in select["options"]} <= set(range(300))
    assert msg["blocks"][-2]["block_id"] == "bb_decision"


def test_home_view_stays_within_100_blocks() -> None:
    entry = SimpleNamespace(
        reviewed_at=1.7e9, channel="C0A", score=50.0, verdict="needs_work", findings=()
    )
    pending = SimpleNamespace(channel="C0A", ts="1.1", verdict="fail")
    view = home_view(
        user="U0M",
        recent=[entry] * 500,
        common=[("<!channel>", 3, "<b>tip</b>")] * 500,
        guide=FakeGuide(),
        manager=True,
        channel_trends=[("C0A", 3, 50.0)] * 500,
        pending=[pending] * 500,
    )
    assert len(view["blocks"]) <= 100
    errors, _, _ = check_message({"blocks": view["blocks"], "text": "x"}, max_blocks=100)
    assert errors == []
    text = str(view)
    assert "<!channel>" not in text and "&lt;b&gt;tip&lt;/b&gt;" in text
    assert "+480 more" in text


def test_finding_words_in_menus_are_escaped() -> None:
    review = make_review([finding("<!channel> & <@U0X>", rule="Brand.X")])
    ref = DraftRef("C0DRAFTS", "1700000000.000100", "", "1700000000.000100")
    [block] = lifecycle_actions(review, ref, signoff=False, votes=True)
    texts = [o["text"]["text"] for e in block["elements"] for o in e["options"]]
    assert texts and all("<" not in t and "&lt;!channel&gt; &amp;" in t for t in texts)
