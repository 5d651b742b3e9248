"""The hand-written labelled copy the sentence heads train on (``training/data/*.tsv``): its rows,
its folds and its safety flags.

``companycopy.tsv`` is split into folds by a seeded shuffle of its rows; ``devcopy.tsv`` by
paragraph (``group``), so adding paragraphs never moves the others. Fold 0 of both is the honest
measure: neither the encoder's branch nor the heads' shipped recipe trained on it.
"""

from __future__ import annotations

import csv
import functools
import hashlib
from pathlib import Path

import numpy as np

from analyzers.models.heads import SAFETY_LABELS

SEED = 13  # the folds' seed (and the data splits' of training.sentence_heads)
COMPANY = Path("training/data/companycopy.tsv")
DEVCOPY = Path("training/data/devcopy.tsv")  # developer-tool and open-source blog copy
# devcopy's flag round (paragraph groups I..L): written for the safety head, with flagged
# paragraphs over-represented, so its sentiment mix is skewed negative; --w-flag weighs it in the
# sentiment head (0 by default: it teaches the safety head only)
FLAG_ROUND = "IJKL"


def company_split(n: int, fold: int, folds: int = 5) -> tuple[np.ndarray, np.ndarray]:
    idx = np.arange(n)
    rng = np.random.default_rng(SEED)
    rng.shuffle(idx)
    test = np.sort(idx[fold::folds])
    return np.setdiff1d(np.arange(n), test), test


def rows(path: Path) -> list[dict[str, str]]:
    """The rows of a tab-separated copy file, as dicts by its header."""
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


@functools.cache
def devcopy_folds(folds: int = 5) -> np.ndarray:
    """The fold of each devcopy row: a paragraph (``group``) goes whole to the fold its id hashes
    to, so adding paragraphs never moves the others (fold 0 stays held out of the encoder)."""

    def fold(group: str) -> int:
        return int.from_bytes(hashlib.sha256(group.encode()).digest()[:4], "big") % folds

    return np.array([fold(r["group"]) for r in rows(DEVCOPY)])


def devcopy_rounds(letters: str) -> np.ndarray:
    """True for each devcopy row whose paragraph group starts with one of ``letters`` (a
    round of writing: ``A``-``H`` the first, ``FLAG_ROUND`` the flag round)."""
    return np.isin(_devcopy_letters(), list(letters))


@functools.cache
def _devcopy_letters() -> np.ndarray:
    return np.array([r["group"][:1] for r in rows(DEVCOPY)])


def flag_round() -> np.ndarray:
    """True for each devcopy row of the flag round (paragraph groups ``FLAG_ROUND``)."""
    return devcopy_rounds(FLAG_ROUND)


def company_flags(path: Path = COMPANY) -> np.ndarray:
    """(n, len(SAFETY_LABELS)) 0/1 from the flags column of a hand-written copy file."""
    table = rows(path)
    y = np.zeros((len(table), len(SAFETY_LABELS)), dtype=np.float32)
    for i, r in enumerate(table):
        flags = {f.strip() for f in r["flags"].split(",")} - {"-", ""}
        y[i, 0] = bool(flags & {"hostile", "profane"})
        y[i, 1] = "sarcasm" in flags
        y[i, 2] = "disparage" in flags
        y[i, 3] = "scold" in flags
    return y
