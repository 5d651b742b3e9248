"""The span typer: what kind of name a candidate span is (PER / ORG / LOC / PRODUCT / MISC).

The token heads were trained on news (CoNLL) and tweets (WNUT): on company copy they call
nearly every product an ORG or MISC. The typer re-reads each candidate span
(:func:`analyzers.entity_spans.candidate_spans`) with what the heads cannot see at once: the
heads' own label and confidence, the name's shape (CamelCase, a dotted name like "Node.js",
digits, an attached version, capitals, number of words, an organisation word such as
"Foundation" at the end), its neighbours ("the", "our", "at", "joined", "said", "team",
"release" …), software verbs in the sentence (install, run, release, deploy …) and how the
same name is written elsewhere in the text (with a version, or as an ordinary lower-case word).

It is a multinomial logistic regression over those ``FEATURES`` (numpy only, no torch): the
weights are ``weights/span_typer.json``, reproduced by ``python -m training.span_typer``
(seeded, a minute on a CPU).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

WEIGHTS = Path(__file__).resolve().parent / "weights" / "span_typer.json"
CLASSES = ("PER", "ORG", "LOC", "PRODUCT", "MISC")
MODEL_LABELS = ("PER", "ORG", "LOC", "MISC", "PRODUCT", "CORPORATION", "CREATIVE_WORK", "GROUP")


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


ORG_WORDS = _set(
    "foundation committee inc inc. corp corp. corporation llc ltd ltd. gmbh co co. company "
    "team group council society university college association institute wg agency "
    "department ministry alliance consortium board partners ventures capital bank "
    "organization organisation union federation network labs authority commission office"
)
LOC_WORDS = _set("city county state province street river valley island bay region republic")
PER_BEFORE = _set("mr mr. ms ms. mrs mrs. dr dr. prof prof. sir hi hello hey dear thanks")
PER_AFTER = _set("said says wrote writes told explained added joined who herself himself")
ORG_BEFORE = _set("at from by joined joins acquired partnered partner partnering companies")
LOC_BEFORE = _set("in near across throughout around to")
DET_BEFORE = _set("the our your their its this")
SOFT_BEFORE = _set("using use uses install installing run running with on for via into")
PRODUCT_AFTER = _set(
    "version versions release releases runtime app apps api apis server servers cluster "
    "clusters code support users user ecosystem module modules package packages plugin "
    "plugins project projects binary binaries install installs instance instances build "
    "builds extension extensions integration integrations client clients sdk cli docs "
    "repository repo registry workspace workspaces feature features compiler tooling"
)
ORG_AFTER = _set("team teams employees staff ceo cto founders announced acquired partnered inc")
SOFTWARE_VERBS = _set(
    "install installed installing run runs running release released releases deploy "
    "deployed deploying upgrade upgraded upgrading download downloaded build builds built "
    "compile compiled ship ships shipped update updated configure configured migrate "
    "migrated support supports supported launch launched open-source version versions "
    "binary binaries runtime code"
)

FEATURES: tuple[str, ...] = (
    "bias",
    *(f"model={label}" for label in (*MODEL_LABELS, "NONE")),
    "model_score",
    "words=1",
    "words=2",
    "words>=3",
    "camel",
    "dotted",
    "has_digit",
    "version_attached",
    "all_caps",
    "short_caps",
    "lower_start",
    "all_title",
    "inner_lower_word",
    "org_word_last",
    "loc_word_last",
    "alpha_only",
    "len_long",
    "prev_det",
    "prev_per",
    "prev_org",
    "prev_loc",
    "prev_soft",
    "next_per",
    "next_product",
    "next_org",
    "next_possessive",
    "sent_software",
    "sent_start",
    "doc_versioned",
    "doc_lowercase",
    "doc_repeats",
    "next_team",
)
_INDEX = {name: i for i, name in enumerate(FEATURES)}
_WORD = re.compile(r"[A-Za-z][\w'.-]*")


@dataclass(frozen=True)
class Typed:
    label: str  # one of CLASSES
    prob: float  # the typer's probability of that label
    probs: tuple[float, ...]  # over CLASSES


def _prev_word(text: str, start: int) -> str:
    m = re.search(r"([A-Za-z][\w.'-]*)\W*$", text[max(0, start - 30) : start])
    return m.group(1).lower() if m else ""


def _next_word(text: str, end: int) -> str:
    m = re.match(r"\W*?([A-Za-z][\w-]*)", text[end : end + 30])
    return m.group(1).lower() if m else ""


def _sentence(text: str, start: int, end: int, reach: int = 300) -> str:
    """The sentence around a span, at most ``reach`` characters either side."""
    lo, hi = max(0, start - reach), min(len(text), end + reach)
    a = max(text.rfind(". ", lo, start), text.rfind("\n", lo, start), lo - 1) + 1
    b_candidates = [i for i in (text.find(". ", end, hi), text.find("\n", end, hi)) if i >= 0]
    b = min(b_candidates) if b_candidates else hi
    return text[a:b]


def features(
    text: str,
    start: int,
    end: int,
    label: str,
    score: float,
    *,
    sentence_start: bool,
    cache: dict[str, tuple[bool, bool, int]] | None = None,
) -> npt.NDArray[np.float32]:
    """The feature vector of the candidate ``text[start:end]`` (label "" = shape-only).

    ``cache`` keeps the per-name document statistics between calls on the same ``text``."""
    x = np.zeros(len(FEATURES), dtype=np.float32)

    def on(name: str, value: float = 1.0) -> None:
        x[_INDEX[name]] = value

    name = text[start:end]
    on("bias")
    on(f"model={label}" if label in MODEL_LABELS else "model=NONE")
    on("model_score", score)
    words = name.split()
    version = re.search(r"\s[vV]?\d+(?:\.(?:\d+|x|X))*\S*$", name) is not None
    core = re.sub(r"\s[vV]?\d+(?:\.(?:\d+|x|X))*\S*$", "", name) if version else name
    n = len(core.split())
    on("words=1" if n <= 1 else "words=2" if n == 2 else "words>=3")
    if re.search(r"[a-z][A-Z]", core):
        on("camel")
    if re.search(r"[A-Za-z]\.[a-z]{2,}$", core):
        on("dotted")
    if any(c.isdigit() for c in core):
        on("has_digit")
    if version:
        on("version_attached")
    letters = [c for c in core if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        on("all_caps")
        if len(letters) <= 4:
            on("short_caps")
    if core[:1].islower():
        on("lower_start")
    if all(w[:1].isupper() or w[:1].isdigit() for w in words):
        on("all_title")
    if any(w[:1].islower() for w in words[1:]):
        on("inner_lower_word")
    if words and words[-1].lower().strip(".,") in ORG_WORDS:
        on("org_word_last")
    if words and words[-1].lower() in LOC_WORDS:
        on("loc_word_last")
    if core.replace(" ", "").isalpha():
        on("alpha_only")
    on("len_long", min(len(core), 30) / 30.0)
    prev, nxt = _prev_word(text, start), _next_word(text, end)
    on("prev_det", float(prev in DET_BEFORE))
    on("prev_per", float(prev in PER_BEFORE))
    on("prev_org", float(prev in ORG_BEFORE))
    on("prev_loc", float(prev in LOC_BEFORE))
    on("prev_soft", float(prev in SOFT_BEFORE))
    on("next_per", float(nxt in PER_AFTER))
    on("next_product", float(nxt in PRODUCT_AFTER))
    on("next_org", float(nxt in ORG_AFTER))
    on("next_possessive", float(text[end : end + 2] in ("'s", "’s")))
    on("next_team", float(words[-1].lower() == "team" if words else False))
    sent = {w.lower() for w in _WORD.findall(_sentence(text, start, end))}
    on("sent_software", float(bool(sent & SOFTWARE_VERBS)))
    on("sent_start", float(sentence_start))
    if cache is None:
        cache = {}
    if core not in cache:
        cache[core] = _in_document(text, core)  # one scan of the text per distinct name
    versioned, lowercase, repeats = cache[core]
    on("doc_versioned", float(versioned))
    on("doc_lowercase", float(lowercase))
    on("doc_repeats", math.log1p(max(repeats - 1, 0)) / 2.0)
    return x


def _in_document(text: str, core: str) -> tuple[bool, bool, int]:
    """How ``core`` is written across ``text``: ever with a version after it, ever as an
    ordinary lower-case word, and how often."""
    from analyzers.entity_spans import attach_version

    if text.count(core) <= 1:  # the usual case, without a regex scan of the whole text
        first = text.find(core)
        occurrences = [first] if first >= 0 else []
    else:
        pattern = rf"(?<![\w.]){re.escape(core)}(?!\w)"
        occurrences = [m.start() for m in re.finditer(pattern, text)]
    versioned = any(attach_version(text, p + len(core)) > p + len(core) for p in occurrences)
    lowercase = False
    low = core.lower()
    if core.isalpha() and low != core and low in text:
        lowercase = re.search(rf"(?<![\w.]){re.escape(low)}(?!\w)", text) is not None
    return versioned, lowercase, len(occurrences)


class SpanTyper:
    """Softmax regression over :data:`FEATURES`; ``classify`` returns one :class:`Typed` a row."""

    def __init__(self, weights: npt.NDArray[np.float32], version: str) -> None:
        if weights.shape != (len(FEATURES), len(CLASSES)):
            raise ValueError(
                f"span typer weights are {weights.shape}, expected {(len(FEATURES), len(CLASSES))}"
            )
        self.weights = weights
        self.version = version

    def classify(self, rows: npt.NDArray[np.float32]) -> list[Typed]:
        if len(rows) == 0:
            return []
        logits = rows @ self.weights
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        out = []
        for row in p:
            k = int(row.argmax())
            out.append(Typed(CLASSES[k], float(row[k]), tuple(float(v) for v in row)))
        return out

    @classmethod
    def from_file(cls, path: Path = WEIGHTS) -> SpanTyper:
        data = json.loads(path.read_text())
        if tuple(data["features"]) != FEATURES or tuple(data["classes"]) != CLASSES:
            raise ValueError(f"{path} was trained for other features or classes: retrain it")
        return cls(np.asarray(data["weights"], dtype=np.float32), str(data.get("version", "")))

    def to_file(self, path: Path, **meta: object) -> None:
        data = {
            "features": list(FEATURES),
            "classes": list(CLASSES),
            "version": self.version,
            **meta,
            "weights": [[round(float(v), 5) for v in row] for row in self.weights],
        }
        path.write_text(json.dumps(data, indent=1) + "\n")


@lru_cache(maxsize=1)
def default_typer() -> SpanTyper:
    """The committed typer (``weights/span_typer.json``)."""
    return SpanTyper.from_file(WEIGHTS)


def type_candidates(
    text: str,
    candidates: Sequence[tuple[int, int, str, float, bool]],
    typer: SpanTyper | None = None,
) -> list[Typed]:
    """Type (start, end, model label, model score, sentence start) candidates of ``text``."""
    typer = typer or default_typer()
    if not candidates:
        return []
    cache: dict[str, tuple[bool, bool, int]] = {}
    rows = np.stack(
        [
            features(text, s, e, lab, sc, sentence_start=ss, cache=cache)
            for s, e, lab, sc, ss in candidates
        ]
    )
    return typer.classify(rows)
