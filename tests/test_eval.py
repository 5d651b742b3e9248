"""Metric definitions and the eval wiring, on tiny hand-made files with hand-worked numbers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from analyzers.models.datasets import DataFormatError, read_goemotions, read_tagged
from analyzers.models.evaluate import evaluate, score_goemotions, score_sst2, score_tagged
from analyzers.models.heads import CONLL_TAGS, GOEMOTIONS_LABELS
from analyzers.models.metrics import accuracy, chunks, entity_prf, macro_f1, spearman
from analyzers.models.tokenize import Encoded, casing_shape

CONLL = """-DOCSTART- -X- -X- O

John NNP B-NP B-PER
lives VBZ B-VP O
in IN B-PP O
New NNP B-NP B-LOC
York NNP I-NP I-LOC
. . O O

Acme NNP B-NP B-ORG
Corp NNP I-NP I-ORG
hired VBD B-VP O
Mary NNP B-NP B-PER
"""


def test_conll_file_entity_scores_by_hand(tmp_path: Path) -> None:
    path = tmp_path / "tiny.txt"
    path.write_text(CONLL)
    sents = read_tagged(path)
    assert [len(s.words) for s in sents] == [6, 4]
    pred = [
        ["B-PER", "O", "O", "B-LOC", "O", "O"],  # John right; "New" alone: wrong boundary
        ["B-ORG", "I-ORG", "O", "B-LOC"],  # Acme Corp right; Mary typed LOC: wrong
    ]
    res = score_tagged([list(s.tags) for s in sents], pred)
    # 4 gold, 4 predicted, 2 correct
    assert res["precision"] == 0.5 and res["recall"] == 0.5 and res["f1"] == 0.5
    per = res["per_type"]
    assert per["PER"]["precision"] == 1.0 and per["PER"]["recall"] == 0.5
    assert per["PER"]["f1"] == pytest.approx(2 / 3)
    assert per["LOC"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert per["ORG"]["f1"] == 1.0


def test_chunks_follow_conlleval() -> None:
    # an I- that does not continue a chunk of its type opens one; B- always opens one
    assert chunks(["I-PER", "I-PER", "O", "I-LOC", "B-LOC", "I-ORG"]) == {
        ("PER", 0, 1),
        ("LOC", 3, 3),
        ("LOC", 4, 4),
        ("ORG", 5, 5),
    }
    overall, _ = entity_prf([["O", "O"]], [["O", "O"]])
    assert (overall.precision, overall.recall, overall.f1) == (0.0, 0.0, 0.0)


def test_sst2_accuracy() -> None:
    res = score_sst2([1, 0, 1, 0], prob_neg=[0.1, 0.8, 0.6, 0.5], prob_pos=[0.9, 0.1, 0.3, 0.4])
    assert res["accuracy"] == 0.75  # the third is wrong
    assert accuracy([], []) == 0.0
    with pytest.raises(ValueError):
        accuracy([1], [])


def test_goemotions_macro_f1_over_28_labels(tmp_path: Path) -> None:
    path = tmp_path / "ge.tsv"
    path.write_text("I love it\t0\ta\nwow ok\t0,27\tb\nfine\t27\tc\n")
    rows = read_goemotions(path)
    probs = np.zeros((3, 28))
    probs[0, 0] = 0.9  # admiration, right
    probs[1, 27] = 0.7  # neutral right, admiration missed
    probs[2, 27] = 0.6
    probs[2, 5] = 0.55  # caring: a false positive
    res = score_goemotions([ids for _, ids in rows], probs, [0.5] * 28)
    # admiration: tp 1, fp 0, fn 1 -> 2/3; neutral: 1; caring: 0; the other 25: 0
    assert res["per_label_f1"]["admiration"] == pytest.approx(2 / 3)
    assert res["per_label_f1"]["neutral"] == 1.0
    assert res["macro_f1"] == pytest.approx((2 / 3 + 1) / 28)
    gold = np.array([[True, False], [False, False]])
    assert macro_f1(gold, gold) == 0.5  # the empty label scores 0


def test_spearman_by_hand() -> None:
    # ranks [1,3,2,4] vs [2,1,3,4]: sum d^2 = 6 -> 1 - 6*6 / (4*15) = 0.4
    assert spearman([0.1, 0.4, 0.35, 0.8], [2, 1, 3, 4]) == pytest.approx(0.4)
    # ties take the average rank: [1, 2.5, 2.5, 4] vs [1, 2, 3, 4] -> 3 / sqrt(10)
    assert spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(3 / math.sqrt(10))
    with pytest.raises(ValueError):
        spearman([1.0], [1.0])


def test_readers_name_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.conll"
    bad.write_text("Paris\tB-LOC\nis\tX-Y\n")
    with pytest.raises(DataFormatError, match=r"bad.conll:2: tag 'X-Y'"):
        read_tagged(bad)
    ge = tmp_path / "ge.tsv"
    ge.write_text("text\t31\tid\n")
    with pytest.raises(DataFormatError, match=r"outside 0\.\.27"):
        read_goemotions(ge)


def test_casing_shapes() -> None:
    words = ("apple", "Apple", "IBM", "iPhone", "2024", "!", "😀", "中文", "I")
    # lower, Title, UPPER, mixed, digit, punct (symbols too), other (uncased script), UPPER
    assert [casing_shape(w) for w in words] == [1, 2, 3, 4, 5, 6, 6, 7, 3]


# ---------------------------------------------------------------- evaluate() with a fake model


@dataclass
class FakeRaw:
    encoded: Encoded
    sentiment: np.ndarray
    emotions: np.ndarray
    formality: float
    conll: np.ndarray
    wnut: np.ndarray


class FakeModel:
    """Word pieces = whitespace words; capitalised words are B-PER, 'good' texts positive."""

    version = "fake"
    emotion_thresholds = dict.fromkeys(GOEMOTIONS_LABELS, 0.5)

    def raw(self, texts: list[str]) -> list[Any]:
        out = []
        for t in texts:
            offsets, pos = [], 0
            for w in t.split(" "):
                offsets.append((pos, pos + len(w)))
                pos += len(w) + 1
            n = len(offsets)
            enc = Encoded(tuple(range(n)), tuple(offsets), (1,) * n, (1,) * n, tuple(range(n)))
            conll = np.zeros((n, len(CONLL_TAGS)))
            for k, (a, _) in enumerate(offsets):
                conll[k, CONLL_TAGS.index("B-PER") if t[a : a + 1].isupper() else 0] = 1
            pos_p = 0.9 if "good" in t else 0.1
            out.append(
                FakeRaw(
                    enc, np.array([1 - pos_p, 0.0, pos_p]), np.zeros(28), len(t) / 100, conll, conll
                )
            )
        return out


def test_evaluate_wires_files_to_metrics(tmp_path: Path) -> None:
    sst = tmp_path / "sst.tsv"
    sst.write_text("sentence\tlabel\na good film \t1\na bad film \t0\ngood grief \t0\n")
    assert evaluate("sst2", sst, FakeModel())["accuracy"] == pytest.approx(2 / 3)
    conll = tmp_path / "c.txt"
    conll.write_text(CONLL)
    res = evaluate("conll", conll, FakeModel())
    # predicted: John, New, York, Acme, Corp, Mary as single-word PER -> only John, Mary right
    assert res["precision"] == pytest.approx(2 / 6) and res["recall"] == 0.5
    form = tmp_path / "f.csv"
    form.write_text('label,text\n0.2,hi\n0.9,"Dear Sir, thank you."\n0.5,hello there\n')
    assert evaluate("formality", form, FakeModel())["spearman"] == pytest.approx(1.0)
    with pytest.raises(DataFormatError, match="not a conll tag"):
        wnut = tmp_path / "w.conll"
        wnut.write_text("Paris\tB-location\n")
        evaluate("conll", wnut, FakeModel())


# ---------------------------------------------------------------- 3-class sentiment (issue 9)


def test_sentiment3_metrics_by_hand() -> None:
    from analyzers.models.evaluate import score_sentiment3

    gold = [0, 0, 1, 1, 2, 2]
    probs = np.array(
        [
            [0.9, 0.05, 0.05],  # neg, right, conf 0.9
            [0.3, 0.6, 0.1],  # neg called neutral, conf 0.6
            [0.7, 0.2, 0.1],  # neutral called negative, conf 0.7
            [0.1, 0.8, 0.1],  # neutral right, conf 0.8
            [0.05, 0.05, 0.9],  # pos right, conf 0.9
            [0.1, 0.3, 0.6],  # pos right, conf 0.6
        ]
    )
    res = score_sentiment3(gold, probs)
    assert res["confusion"] == [[1, 1, 0], [1, 1, 0], [0, 0, 2]]
    assert res["accuracy"] == pytest.approx(4 / 6)
    per = res["per_class"]
    assert per["negative"]["precision"] == 0.5 and per["negative"]["recall"] == 0.5
    assert per["positive"]["f1"] == 1.0 and per["positive"]["support"] == 2
    assert res["macro_f1"] == pytest.approx((0.5 + 0.5 + 1.0) / 3)
    # bins of 0.1: [0.6,0.7): conf 0.6, 0.6 -> acc 1/2, gap 0.1, weight 2/6
    # [0.7,0.8): 0.7 wrong -> gap 0.7, 1/6; [0.8,0.9): 0.8 right -> 0.2, 1/6;
    # [0.9,1]: 0.9, 0.9 right -> 0.1, 2/6
    assert res["ece"] == pytest.approx((2 * 0.1 + 0.7 + 0.2 + 2 * 0.1) / 6)


def test_sentiment3_reads_tweeteval_and_tsv(tmp_path: Path) -> None:
    from analyzers.models.datasets import read_sentiment3

    tweets = tmp_path / "tweeteval"
    tweets.mkdir()
    (tweets / "val_text.txt").write_text("so bad @user \nok then\nlove it\n")
    (tweets / "val_labels.txt").write_text("0\n1\n2\n")
    (tweets / "mapping.txt").write_text("0\tnegative\n1\tneutral\n2\tpositive\n")
    expected = [("so bad @user", 0), ("ok then", 1), ("love it", 2)]
    assert read_sentiment3(tweets) == expected
    assert read_sentiment3(tweets / "val_text.txt") == expected
    assert read_sentiment3(tweets / "val_labels.txt") == expected
    tsv = tmp_path / "s.tsv"
    tsv.write_text("text\tlabel\nso bad\tnegative\nok then\tNeutral\nlove it\t2\n")
    assert read_sentiment3(tsv) == [("so bad", 0), ("ok then", 1), ("love it", 2)]

    (tweets / "train_text.txt").write_text("a\n")
    (tweets / "train_labels.txt").write_text("1\n")
    with pytest.raises(DataFormatError, match="several splits"):
        read_sentiment3(tweets)
    (tweets / "val_labels.txt").write_text("0\n1\n")
    with pytest.raises(DataFormatError, match="2 labels for 3 lines"):
        read_sentiment3(tweets / "val_text.txt")
    tsv.write_text("so bad\tawful\n")
    with pytest.raises(DataFormatError, match=r"s.tsv:1: label 'awful'"):
        read_sentiment3(tsv)


def test_evaluate_sentiment3_with_a_fake_model(tmp_path: Path) -> None:
    tsv = tmp_path / "s.tsv"
    tsv.write_text("a good day\tpositive\na bad day\tnegative\njust a day\tneutral\n")
    res = evaluate("sentiment3", tsv, FakeModel())
    # the fake never says neutral: 2 of 3 right
    assert res["accuracy"] == pytest.approx(2 / 3)
    assert res["confusion"] == [[1, 0, 0], [1, 0, 0], [0, 0, 1]]
    assert res["per_class"]["neutral"]["recall"] == 0.0
    assert 0.0 <= res["ece"] <= 1.0


def test_entity_types_restrict_gold_and_predictions() -> None:
    gold = [["B-PER", "O", "B-MISC", "O", "B-LOC"]]
    pred = [["B-PER", "B-MISC", "O", "B-ORG", "B-LOC"]]
    everything = score_tagged(gold, pred)
    assert everything["precision"] == pytest.approx(2 / 4)
    only = score_tagged(gold, pred, {"PER", "ORG", "LOC"})
    # MISC (gold and predicted) is out of scope; the ORG is a real false positive
    assert only["precision"] == pytest.approx(2 / 3) and only["recall"] == 1.0
    assert set(only["per_type"]) == {"PER", "ORG", "LOC"}


def test_evaluate_conll_with_types(tmp_path: Path) -> None:
    conll = tmp_path / "c.txt"
    conll.write_text("Acme B-ORG\nsells O\nWidgets B-MISC\n\nMary B-PER\nwaves O\n")
    # the fake tags every capitalised word PER: "Acme" and "Widgets" are wrong PERs either way
    res = evaluate("conll", conll, FakeModel(), types={"PER"})
    assert res["precision"] == pytest.approx(1 / 3) and res["recall"] == 1.0
    with pytest.raises(DataFormatError, match="not a conll type"):
        evaluate("conll", conll, FakeModel(), types={"PRODUCT"})


def test_whitespace_only_conll_lines_break_sentences(tmp_path: Path) -> None:
    path = tmp_path / "ws.conll"
    path.write_bytes(
        "\ufeffJohn\tB-PER\n \t \nMary\tB-PER\n\u200b\nBob B-PER \n \tO\nsmiles O\n".encode()
    )
    sents = read_tagged(path)
    assert [s.words for s in sents] == [("John",), ("Mary",), ("Bob", "smiles")]
    assert all(all(w.strip() for w in s.words) for s in sents)
    path.write_text("John\tB-PER\n \tB-PER\n")
    with pytest.raises(DataFormatError, match=r"ws.conll:2: a blank token tagged 'B-PER'"):
        read_tagged(path)


def test_eval_sets_threads_like_the_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    import torch

    from analyzers.cli import eval_cmd
    from analyzers.engine import default_threads
    from analyzers.models import predictor

    def no_model(**_: Any) -> Any:
        raise predictor.ModelLoadError("not in this test")

    monkeypatch.setattr(predictor, "load_embedded_predictor", no_model)
    data = tmp_path / "s.tsv"
    data.write_text("ok\tneutral\n")
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(default_threads() + 3)
        args = argparse.Namespace(
            task="sentiment3", data=data, types=None, threads=None, int8=False, limit=0, json=False
        )
        assert eval_cmd.run(args) == 1
        assert torch.get_num_threads() == default_threads()
        args.threads = 1
        eval_cmd.run(args)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
