"""The sentence-block experiment (``training/sentence_block.py``) starts from the shipped linear
heads; the shipped safety head now reads [mean-pooled, max-pooled] vectors, which the block's
mean-pooled vector cannot feed, so the experiment must say so instead of failing mid-run on a
matrix shape."""

from __future__ import annotations

import pytest

from training.sentence_block import shipped_heads


def test_the_experiment_refuses_a_safety_head_that_reads_the_max_pooled_vector() -> None:
    with pytest.raises(SystemExit, match="max-pooled"):
        shipped_heads()
