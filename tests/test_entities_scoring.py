"""The realcopy entity scoring (training/entities_realcopy.py): exact spans, "other" ignored."""

from __future__ import annotations

from pathlib import Path

from training.entities_realcopy import btc_mentions, score


def test_typed_scoring_ignores_gold_other_and_non_typed_predictions() -> None:
    gold = [{(0, 7): "PRODUCT", (10, 14): "other", (20, 25): "ORG", (30, 33): "PER"}]
    pred = [
        [
            ((0, 7), "PRODUCT"),  # tp
            ((10, 14), "PRODUCT"),  # on a gold "other" span: counts neither way
            ((20, 25), "PRODUCT"),  # wrong type: fp PRODUCT + fn ORG
            ((30, 33), "MISC"),  # not a typed prediction: fn PER
            ((40, 44), "MENTION"),  # ignored for typed, a false span for untyped
            ((50, 52), "COMPETITOR"),  # guide label -> ORG: fp
        ]
    ]
    got = score(gold, pred)
    assert (got["PRODUCT"]["tp"], got["PRODUCT"]["fp"], got["PRODUCT"]["fn"]) == (1, 1, 0)
    assert (got["ORG"]["tp"], got["ORG"]["fp"], got["ORG"]["fn"]) == (0, 1, 1)
    assert (got["PER"]["tp"], got["PER"]["fn"]) == (0, 1)
    assert (got["typed"]["tp"], got["typed"]["fp"], got["typed"]["fn"]) == (1, 2, 2)
    # untyped: every span, "other" included
    assert (got["untyped"]["tp"], got["untyped"]["fp"], got["untyped"]["fn"]) == (4, 2, 0)


def test_btc_mentions_glue_the_handle_and_read_the_split_tag_as_one(tmp_path: Path) -> None:
    data = tmp_path / "btc.dev"
    data.write_text("RT\tO\n@\tB-ORG\nSportsCenter\tB-ORG\n:\tO\n@\tO\nnobody\tO\n\n")
    (text,), (gold,) = btc_mentions(data)
    assert text == "RT @SportsCenter : @nobody"
    assert [text[a:b] for a, b in sorted(gold)] == ["@SportsCenter"]
