"""The hand-written labelled copy the sentence heads train on (``training/data/*.tsv``).

Both files are training data for the shipped weights, so a malformed row, a label outside the
scheme or a text lifted from the evaluation sets would silently change what the model learns or
make its measurements dishonest. These checks run on every test run.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from analyzers.paths import REPO_ROOT, shared_dir

DATA = REPO_ROOT / "training" / "data"
SENTIMENTS = {"negative", "neutral", "positive"}
FLAGS = {"disparage", "scold", "hostile", "profane", "sarcasm"}
KINDS = {"promo", "neutral", "bad_news", "informal", "job_ad", "policy", "support"}
# realcopy-dev's README: sources kept for the independent check, never trained on; and the
# dev set's own sources, so that devcopy says nothing the dev measure could recognise
HELD_OUT_NAMES = (
    "PostHog", "Supabase", "Tailwind", "Mastodon", "Rust", "crates.io", "docs.rs",
    "Let's Encrypt", "Homebrew", "PyPI", "PyPA", "18F",
)  # fmt: skip
DEV_SOURCE_NAMES = ("Node.js", "Golang", "Prometheus", "Gitpod", "opensource.guide")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def _name(pattern: str) -> re.Pattern[str]:
    return re.compile(r"(?<![A-Za-z])" + re.escape(pattern) + r"(?![A-Za-z])", re.IGNORECASE)


# bench/data/sniping-copy.tsv: written as training copy in devcopy's columns, kept as a measure
SNIPING = REPO_ROOT / "bench" / "data" / "sniping-copy.tsv"


@pytest.mark.parametrize(
    ("path", "least"),
    [(DATA / "companycopy.tsv", 1000), (DATA / "devcopy.tsv", 1000), (SNIPING, 500)],
)
def test_rows_follow_the_labelling_scheme(path: Path, least: int) -> None:
    rows = _rows(path)
    name = path.name
    assert len(rows) > least
    for n, row in enumerate(rows, start=2):
        where = f"{name}:{n}"
        assert None not in row and all(v is not None for v in row.values()), where
        assert row["sentiment"] in SENTIMENTS, where
        assert row["kind"] in KINDS, where
        flags = set(row["flags"].split(",")) - {"-"}
        assert flags <= FLAGS, where
        # sniping, blame and hostility are never neutral (sniping inside praise of our own
        # product reads positive); profanity and sarcasm may read any way
        neutral = row["sentiment"] == "neutral"
        assert not (neutral and flags & {"disparage", "scold", "hostile"}), where
        assert row["text"] == row["text"].strip() and "\t" not in row["text"], where
        assert 3 <= len(row["text"].split()) <= 60, where
    texts = Counter(r["text"] for r in rows)
    assert [t for t, c in texts.items() if c > 1] == []


def test_devcopy_paragraphs_are_contiguous_and_have_one_kind() -> None:
    rows = _rows(DATA / "devcopy.tsv")
    seen: set[str] = set()
    kind: dict[str, str] = {}
    previous = ""
    for row in rows:
        group = row["group"]
        assert re.fullmatch(r"[A-Z]-p\d{3}", group), group
        if group != previous:
            assert group not in seen, f"paragraph {group} is split"
            seen.add(group)
        assert kind.setdefault(group, row["kind"]) == row["kind"], group
        previous = group
    assert len(seen) > 500


@pytest.mark.parametrize("path", [DATA / "devcopy.tsv", SNIPING])
def test_devcopy_names_no_source_of_the_evaluation_sets(path: Path) -> None:
    patterns = [_name(n) for n in (*HELD_OUT_NAMES, *DEV_SOURCE_NAMES)]
    hits = [(r["group"], p.pattern) for r in _rows(path) for p in patterns if p.search(r["text"])]
    assert hits == []


def test_devcopy_folds_are_stable_and_by_paragraph() -> None:
    np = pytest.importorskip("numpy")
    from training.handwritten import devcopy_folds

    rows = _rows(DATA / "devcopy.tsv")
    folds = devcopy_folds()
    assert len(folds) == len(rows)
    by_group: dict[str, set[int]] = {}
    for row, fold in zip(rows, folds, strict=True):
        by_group.setdefault(row["group"], set()).add(int(fold))
    assert all(len(f) == 1 for f in by_group.values())
    counts = np.bincount(folds, minlength=5)
    assert counts.min() > len(rows) / 10  # five folds of comparable size


def test_no_training_sentence_comes_from_realcopy_dev() -> None:
    path = shared_dir() / "data" / "realcopy-dev" / "dev.jsonl"
    if not path.exists():
        pytest.skip(f"realcopy-dev is not at {path} (set BRANDBOT_SHARED to the shared folder)")
    dev: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        para = json.loads(line)
        for s in para["sentences"]:
            dev.add(" ".join(para["text"][s["start"] : s["end"]].casefold().split()))
    for name in ("companycopy.tsv", "devcopy.tsv"):
        copied = [
            r["text"] for r in _rows(DATA / name) if " ".join(r["text"].casefold().split()) in dev
        ]
        assert copied == [], name


@pytest.mark.parametrize(
    ("check", "labels"),
    [
        ("untuned-copy.tsv", SENTIMENTS),
        ("blind-disparaging.tsv", {"disparage", "ok", "label"}),
        ("blind-disparaging-2.tsv", {"disparage", "ok", "label"}),
        ("blind-disparaging-3.tsv", {"disparage", "ok", "label"}),
    ],
)
def test_no_training_sentence_comes_from_the_untuned_checks(check: str, labels: set[str]) -> None:
    """``bench/data/untuned-copy.tsv`` and the three ``blind-disparaging`` sets measure the heads
    and the policy on sentences nothing was chosen on; a training row with the same words would turn
    them into training measures."""
    path = REPO_ROOT / "bench" / "data" / check
    lines = [x.split("\t") for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    assert len(lines) >= 50 and all(len(x) == 2 and x[1] in labels for x in lines)
    held = {" ".join(x[0].casefold().split()) for x in lines}
    for name in ("companycopy.tsv", "devcopy.tsv"):
        copied = [
            r["text"] for r in _rows(DATA / name) if " ".join(r["text"].casefold().split()) in held
        ]
        assert copied == [], name


def test_the_sniping_copy_is_never_training_copy() -> None:
    """The shipped heads never trained on ``sniping-copy.tsv``: ``bench/sniping_copy.py`` says
    what they do on copy they never saw only while no training file holds its sentences."""
    held = {" ".join(r["text"].casefold().split()) for r in _rows(SNIPING)}
    for name in ("companycopy.tsv", "devcopy.tsv"):
        rows = _rows(DATA / name)
        assert [r["text"] for r in rows if " ".join(r["text"].casefold().split()) in held] == []
