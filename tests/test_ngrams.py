"""Hashed word n-grams, the sentiment head's second input (analyzers/models/ngrams.py)."""

from __future__ import annotations

import zlib

import pytest
import torch

from analyzers.models.heads import HeadConfig, Heads
from analyzers.models.ngrams import NgramBag, ngram_ids


def test_unigrams_and_bigrams_of_lowercased_words() -> None:
    b = 1 << 18
    ids = ngram_ids("We're THRILLED!", b)
    grams = ["we're", "thrilled", "!", "we're thrilled", "thrilled !"]
    assert ids == [zlib.crc32(g.encode()) % b for g in grams]


def test_curly_apostrophes_and_case_do_not_change_the_grams() -> None:
    assert ngram_ids("We\u2019re Live", 1000) == ngram_ids("we're live", 1000)


def test_text_without_words_has_no_grams() -> None:
    assert ngram_ids("", 64) == []
    assert ngram_ids("— … ⭐ \u200b", 64) == []


def test_ids_stay_inside_the_table() -> None:
    ids = ngram_ids("a b c d e f g h i j k l m n o p " * 20, 7)
    assert ids and all(0 <= i < 7 for i in ids)


def test_bag_sums_rows_over_the_square_root_of_their_count() -> None:
    bag = NgramBag(16, 3)
    with torch.no_grad():
        bag.bag.weight.copy_(torch.arange(48, dtype=torch.float32).view(16, 3))
    text = "alpha beta gamma"
    ids = ngram_ids(text, 16)
    expected = bag.bag.weight[ids].sum(0) / len(ids) ** 0.5
    out = bag([text, "", "alpha"])
    assert out.shape == (3, 3)
    torch.testing.assert_close(out[0], expected)
    torch.testing.assert_close(out[1], torch.zeros(3))  # no words: no n-gram opinion
    assert bag([]).shape == (0, 3)


def test_a_fresh_bag_is_silent() -> None:
    assert torch.count_nonzero(NgramBag(32, 3)(["anything at all"])) == 0


def test_heads_carry_the_bag_only_when_the_weights_say_so() -> None:
    assert Heads(HeadConfig()).ngram_sentiment(["x"]) is None
    heads = Heads(HeadConfig(sentiment_ngrams=32))
    out = heads.ngram_sentiment(["x y", "z"])
    assert out is not None and out.shape == (2, 3)
    assert "sentiment_ngrams.bag.weight" in heads.state_dict()


@pytest.mark.models
def test_shipped_sentiment_reads_the_words_too() -> None:
    """The shipped weights carry an n-gram table and the predictor adds it, batch by batch."""
    from analyzers.models.predictor import load_embedded_predictor

    predictor = load_embedded_predictor(device="cpu", quantize=False)
    heads = predictor.model.heads
    assert heads.cfg.sentiment_ngrams > 0 and heads.sentiment_ngrams is not None
    text = "The new storage engine cuts query latency by up to 40%."
    # past the predictor's batch of 256 sentences: the texts must stay aligned with their vectors
    batch = [f"Filler sentence number {i}." for i in range(300)]
    batch[280] = text
    alone = predictor.predict([text])[0].sentiment
    batched = predictor.predict(batch)[280].sentiment
    for k in alone:
        assert batched[k] == pytest.approx(alone[k], abs=1e-4)
    with torch.no_grad():
        saved = heads.sentiment_ngrams.bag.weight.clone()
        heads.sentiment_ngrams.bag.weight.zero_()
        try:
            without = predictor.predict([text])[0].sentiment
        finally:
            heads.sentiment_ngrams.bag.weight.copy_(saved)
    assert max(abs(alone[k] - without[k]) for k in alone) > 0.01
