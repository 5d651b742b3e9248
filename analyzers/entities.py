"""Named entities: the model's, merged with the brand guide's gazetteer, which wins.

The **gazetteer** is built from the guide: ``products`` (name and aliases, label ``PRODUCT``),
``brand_names`` (label ``BRAND``) and ``competitors`` (name and aliases, label
``COMPETITOR``). A term matches the text when:

* **exact or a casing variant** — case-insensitively ("brightwave", "BRIGHTWAVE"), word-bounded
  (never inside another word: "Brightwavelength" does not match), across any whitespace between
  its words, followed by an optional possessive or plural ("Brightwave's", "Brightwaves'",
  "Brightwaves"). Short all-capital aliases (≤ 5 characters, e.g. tickers like "ACME" or "NOW")
  match case-sensitively only, so they do not fire on ordinary words; nor does a competitor's
  name of several words whose later words are written in lower case ("we draw a bright line",
  "Bright line rules" are not the competitor "Bright Line"). Web addresses and handles
  ("brightwave.com", "@brightwave", "#brightwave") are not mentions.
* **a near miss** — optimal-string-alignment edit distance 1 (one insertion, deletion,
  substitution or swap of neighbouring letters: "Brigthwave", "Brightwav") or a different
  spacing ("Bright wave"), for terms of at least 5 letters, when the candidate starts with the
  same letter and either contains a capital letter or the term has 9+ letters (so "nation"
  does not read as the competitor "Notion", while "Nation" at a sentence start can: such
  near-miss competitor findings are capped at ``warning``). Plurals of near misses are not
  matched ("Photonics" is a word, not a misspelt "Photonix").

The entity (and every finding's span) covers the name only, without the possessive or plural
suffix, so it lines up with the terminology rule ``Brand.Products`` on the same words; the
reviewer keeps the higher severity of identical spans.

@-mentions and #hashtags are ``MENTION`` / ``HASHTAG`` entities (``source="text"``). The
model's entities (made only of function words: dropped) become whole names with
:func:`analyzers.entity_spans.candidate_spans` (no job titles, greetings, imperatives or
technical acronyms; versions attached; CamelCase / dotted / letter+digit names the model missed
added as ``source="shape"``), never overlapping the gazetteer or a mention, and the span typer
(:mod:`analyzers.models.span_typer`) gives each its type: PER, ORG, LOC, PRODUCT or MISC, with
the typer's probability as ``score``. Findings (category ``entities``):

* ``Entities.Competitor`` — a competitor is named (severity from the guide).
* ``Entities.ProductCasing`` — a product or brand name in the wrong casing (warning), with the
  exact casing as the suggestion. Skipped on all-capital lines (shouted headings).
* ``Entities.ProductSpelling`` — a near miss of a product or brand name (warning).
* ``Entities.UnknownProduct`` — a confident product name the guide does not know
  (suggestion): typed PRODUCT at ``UNKNOWN_PRODUCT_MIN_SCORE`` or more, written like a product
  (CamelCase or letters with digits: "SyncHub", "X200 Pro"), never an acronym of five capitals
  or fewer ("SHA1", "VSO") nor a generic technical term. Widely known CamelCase words
  (``KNOWN_CAMELCASE``: "iPhone", "SaaS", "LinkedIn" …) are not reported, nor are terms
  accepted by the guide's Vale vocabularies (``accept.txt``). One finding per draft, at the
  first unknown name, lists them all (each name without its version, once).
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from analyzers.distance import osa_distance
from analyzers.entity_spans import GENERIC_ACRONYMS, candidate_spans, is_sentence_start, mentions
from analyzers.models.span_typer import CLASSES, ORG_WORDS, SpanTyper, type_candidates
from analyzers.types import Category, Entity, Finding, Severity, Span

if TYPE_CHECKING:
    from analyzers.guide import BrandGuide, Competitor, Product

RULE_COMPETITOR = "Entities.Competitor"
RULE_CASING = "Entities.ProductCasing"
RULE_SPELLING = "Entities.ProductSpelling"
RULE_UNKNOWN = "Entities.UnknownProduct"

FUZZY_MIN_LETTERS = 5
FUZZY_LOWERCASE_MIN_LETTERS = 9
UNKNOWN_PRODUCT_MIN_SCORE = 0.6  # the span typer's PRODUCT probability
HEADS_SURE = 0.9  # the tag heads' place / person is kept over the typer's PRODUCT at this score
MAX_UNKNOWN_LISTED = 5  # names listed in the one UnknownProduct finding of a draft
SHAPE_MIN_SCORE = 0.5  # a name found by its shape alone is kept when typed PRODUCT at this


def _split(text: str) -> list[str]:
    return text.split()


KNOWN_CAMELCASE = frozenset(
    w.lower()
    for w in _split(
        "SaaS PaaS IaaS iOS iPadOS macOS watchOS tvOS iPhone iPad iPod iMac iCloud iTunes "
        "JavaScript TypeScript CoffeeScript GitHub GitLab BitBucket LinkedIn YouTube WordPress "
        "PowerPoint OneDrive OneNote SharePoint PayPal WhatsApp FedEx eBay DevOps DevSecOps "
        "FinOps MLOps OAuth GraphQL PostgreSQL MySQL NoSQL SQLite MongoDB OpenAI ChatGPT "
        "HubSpot TikTok DoorDash FaceTime AirPods AirDrop PlayStation SmartThings eCommerce "
        "eBook eMail YouTuber McKinsey BlackRock JetBrains IntelliJ PyTorch TensorFlow NumPy "
        "DynamoDB CloudFront BigQuery AirTable ZoomInfo QuickBooks TurboTax DocuSign WeChat"
    )
)

# nationalities and languages: the tag heads call them MISC (as CoNLL does); never a product
DEMONYMS = frozenset(
    _split(
        "English French German Spanish Italian Portuguese Dutch Flemish Swedish Norwegian "
        "Danish Finnish Icelandic Polish Czech Slovak Hungarian Romanian Bulgarian Greek Turkish "
        "Russian Ukrainian Arabic Hebrew Persian Hindi Bengali Urdu Chinese Mandarin Cantonese "
        "Japanese Korean Vietnamese Thai Indonesian Malay Filipino Tagalog Swahili Latin "
        "American Canadian Mexican Brazilian Argentinian Chilean Colombian British Irish "
        "Scottish Welsh Australian Zealander Indian Pakistani Nigerian Kenyan Egyptian "
        "European Asian African Nordic Scandinavian Swiss Austrian Belgian Luxembourgish "
        "Israeli Saudi Emirati Singaporean Taiwanese Québécois Quebecois Catalan Basque"
    )
)
_TOKEN = re.compile(r"[^\W_]+")
_PRODUCT_SHAPE = re.compile(r"[a-z][A-Z]|[A-Za-z]\S*\d|\d\S*[A-Za-z]")
_VERSION_TAIL = re.compile(r"\s+[vV]?\d+(?:\.(?:\d+|x|X))*\S*$")
_GENERIC_UPPER = frozenset(a.upper() for a in GENERIC_ACRONYMS)
_SUFFIX = r"(?P<suffix>['’]s|s['’]|['’]|es|s)?"
_BEFORE = r"(?<![\w@#/\\])(?<!\w\.)"
_AFTER = r"(?!\w)(?!\.[^\W\d_])"


@dataclass(frozen=True)
class Term:
    """One name the gazetteer looks for."""

    surface: str  # as written in the guide (a name or an alias)
    canonical: str  # the product / brand / competitor it stands for
    label: str  # PRODUCT | BRAND | COMPETITOR
    severity: Severity
    case_sensitive: bool
    pattern: re.Pattern[str]

    @property
    def folded(self) -> str:
        return " ".join(self.surface.lower().split())

    @property
    def letters(self) -> int:
        return sum(1 for c in self.surface if c.isalnum())


@dataclass(frozen=True)
class Match:
    start: int  # the name only, without a possessive / plural suffix
    end: int
    term: Term
    kind: str  # "exact" | "case" | "fuzzy"


def _term(surface: str, canonical: str, label: str, severity: Severity) -> Term | None:
    words = surface.split()
    if not words:
        return None
    body = r"\s+".join(re.escape(w) for w in words)
    case_sensitive = len(surface) <= 5 and surface.isupper()
    flags = 0 if case_sensitive else re.IGNORECASE
    pattern = re.compile(f"{_BEFORE}(?P<name>{body}){_SUFFIX}{_AFTER}", flags)
    return Term(surface, canonical, label, severity, case_sensitive, pattern)


@lru_cache(maxsize=32)
def _terms(
    products: tuple[Product, ...], brand_names: tuple[str, ...], competitors: tuple[Competitor, ...]
) -> tuple[Term, ...]:
    out: list[Term | None] = []
    for p in products:
        for surface in (p.name, *p.aliases):
            out.append(_term(surface, p.name, "PRODUCT", Severity.WARNING))
    for name in brand_names:
        out.append(_term(name, name, "BRAND", Severity.WARNING))
    for c in competitors:
        for surface in (c.name, *c.aliases, *getattr(c, "tickers", ())):
            out.append(_term(surface, c.name, "COMPETITOR", c.severity))
    seen: set[tuple[str, str]] = set()
    terms = []
    for t in out:
        if t is not None and (t.surface, t.label) not in seen:
            seen.add((t.surface, t.label))
            terms.append(t)
    return tuple(terms)


def gazetteer_terms(guide: BrandGuide) -> tuple[Term, ...]:
    return _terms(tuple(guide.products), tuple(guide.brand_names), tuple(guide.competitors))


class _Cover:
    """Which characters of a text are already claimed by a match (O(length) overlap checks)."""

    def __init__(self, size: int, spans: Iterable[tuple[int, int]] = ()) -> None:
        self._mask = bytearray(size)
        for start, end in spans:
            self.add(start, end)

    def add(self, start: int, end: int) -> None:
        start, end = max(0, start), max(start, min(end, len(self._mask)))
        self._mask[start:end] = b"\x01" * (end - start)

    def overlaps(self, start: int, end: int) -> bool:
        return self._mask.find(1, start, end) >= 0


def _idiom(name: str, surface: str) -> bool:
    """A competitor's name of several words written with its later words in lower case where
    the name capitalises them: "a bright line", "Bright line rules" (a sentence's first capital
    says nothing) are not "Bright Line"."""
    said, named = name.split(), surface.split()
    if len(said) < 2 or len(said) != len(named):
        return False
    return any(s.islower() and not n.islower() for s, n in zip(said[1:], named[1:], strict=True))


def find_terms(text: str, terms: Sequence[Term]) -> list[Match]:
    """Every gazetteer mention in ``text``, non-overlapping, in text order."""
    candidates: list[Match] = []
    for term in terms:
        for m in term.pattern.finditer(text):
            name = m.group("name")
            if term.label == "COMPETITOR" and _idiom(name, term.surface):
                continue  # "a bright line" is an idiom, not the competitor "Bright Line"
            exact = " ".join(name.split()) == " ".join(term.surface.split())
            candidates.append(
                Match(m.start("name"), m.end("name"), term, "exact" if exact else "case")
            )
    # longest first, then exact casing, then earliest
    candidates.sort(key=lambda c: (-(c.end - c.start), c.kind != "exact", c.start))
    chosen: list[Match] = []
    taken = _Cover(len(text))
    for c in candidates:
        if not taken.overlaps(c.start, c.end):
            chosen.append(c)
            taken.add(c.start, c.end)
    chosen.extend(_fuzzy(text, terms, taken))
    chosen.sort(key=lambda c: c.start)
    return chosen


def _fuzzy(text: str, terms: Sequence[Term], taken: _Cover) -> list[Match]:
    fuzzy_terms = [t for t in terms if t.letters >= FUZZY_MIN_LETTERS and not t.case_sensitive]
    if not fuzzy_terms:
        return []
    known = {t.folded for t in terms}
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    # (number of words, first letter) -> terms; a candidate must share both (or be one word
    # longer: a spacing variant)
    index: dict[tuple[int, str], list[Term]] = {}
    for t in fuzzy_terms:
        index.setdefault((len(t.surface.split()), t.folded[0]), []).append(t)
    sizes = sorted({n for n, _ in index} | {n + 1 for n, _ in index})
    found: list[Match] = []
    for size in sizes:
        for i in range(len(tokens) - size + 1):
            first = text[tokens[i][0]].lower()
            groups = [
                (index.get((size, first), []), True),
                (index.get((size - 1, first), []), False),
            ]
            if not groups[0][0] and not groups[1][0]:
                continue
            window = tokens[i : i + size]
            if any(not text[a[1] : b[0]].isspace() for a, b in itertools.pairwise(window)):
                continue
            start, end = window[0][0], window[-1][1]
            if taken.overlaps(start, end):
                continue
            cand = text[start:end]
            for group, same_words in groups:
                if not group:
                    continue
                match = _fuzzy_term(cand, same_words, group, known)
                if match is not None:
                    found.append(Match(start, end, match, "fuzzy"))
                    taken.add(start, end)
                    break
    return found


def _fuzzy_term(cand: str, same_words: bool, group: Sequence[Term], known: set[str]) -> Term | None:
    folded = " ".join(cand.lower().split())
    if folded in known:
        return None
    squashed = folded.replace(" ", "")
    has_capital = any(c.isupper() for c in cand)
    for term in group:
        target = term.folded
        if folded[0] != target[0]:
            continue
        if not has_capital and term.letters < FUZZY_LOWERCASE_MIN_LETTERS:
            continue
        if squashed == target.replace(" ", "") and folded != target:
            return term  # a spacing variant: "Bright wave" for "Brightwave"
        if not same_words or abs(len(folded) - len(target)) > 1:
            continue
        if osa_distance(folded, target) == 1:
            return term
    return None


def _line_is_shouted(text: str, start: int, end: int) -> bool:
    """Whether the line(s) holding ``[start, end)`` are written in capitals. Each line is read
    once per text (a 627 kB one-line draft with 66,666 product names took 200 s when every
    match re-read its line)."""
    breaks = _breaks(text)
    first = bisect.bisect_left(breaks, start)  # the line break before start is breaks[first-1]
    line_start = breaks[first - 1] + 1 if first else 0
    after = bisect.bisect_left(breaks, end)
    line_end = breaks[after] if after < len(breaks) else len(text)
    return _shouted(text, line_start, line_end)


@lru_cache(maxsize=8)
def _breaks(text: str) -> list[int]:
    return [m.start() for m in re.finditer("\n", text)]


@lru_cache(maxsize=1024)
def _shouted(text: str, start: int, end: int) -> bool:
    letters = [c for c in text[start:end] if c.isalpha()]
    return len(letters) >= 12 and all(c.isupper() for c in letters)


_FUNCTION_WORDS = frozenset(
    _split(
        "the a an this that these those our your their my his her its we you they it he she i "
        "and or but of in on at to for with from by as is are was were be new all every"
    )
)


def _is_function_word(text: str) -> bool:
    """A model "entity" that is only a function word ("The", "Our") is a tagging slip."""
    return all(w.lower() in _FUNCTION_WORDS for w in text.split())


@lru_cache(maxsize=16)
def _accepted(folders: tuple[Path, ...]) -> tuple[re.Pattern[str], ...]:
    """The guide's Vale vocabularies' accepted terms, as full-match patterns."""
    from analyzers.rules.registry import read_terms

    out = []
    for folder in folders:
        try:
            terms = read_terms(Path(folder) / "accept.txt")
        except (OSError, UnicodeDecodeError):
            continue  # the rules report unreadable vocabularies; do not fail entities for it
        for term in terms:
            try:
                out.append(re.compile(term))
            except re.error:
                out.append(re.compile(re.escape(term)))
    return tuple(out)


def _is_accepted(name: str, guide: BrandGuide) -> bool:
    return any(p.fullmatch(name) for p in _accepted(tuple(guide.vocabularies)))


def _finding_for(text: str, m: Match, guide: BrandGuide) -> Finding | None:
    matched = text[m.start : m.end]
    span = Span(m.start, m.end)
    term = m.term
    if term.label == "COMPETITOR":
        severity = term.severity
        if m.kind == "fuzzy":
            severity = min(severity, Severity.WARNING, key=lambda s: s.rank)
            lead = f"“{matched}” looks like competitor {term.canonical}"
        else:
            lead = f"Mentions competitor {term.canonical} (“{matched}”)"
        return Finding(
            rule_id=RULE_COMPETITOR,
            category=Category.ENTITIES.value,
            severity=severity,
            message=f"{lead}: remove the mention, or rephrase without naming a competitor.",
            span=span,
            matched=matched,
            link=guide.link_for("competitors", "entities"),
            action="remove",
        )
    if m.kind == "case":
        if _line_is_shouted(text, m.start, m.end):
            return None
        rule_id = RULE_CASING
        message = f"Write the name as “{term.canonical}”, not “{matched}”."
    elif m.kind == "fuzzy":
        rule_id = RULE_SPELLING
        message = f"“{matched}” looks like a misspelling of {term.canonical}."
    else:
        return None
    return Finding(
        rule_id=rule_id,
        category=Category.ENTITIES.value,
        severity=Severity.WARNING,
        message=message,
        span=span,
        matched=matched,
        suggestions=(term.canonical,),
        link=guide.link_for("products", "terminology"),
        action="replace",
    )


def _unknown_key(name: str) -> str:
    """The name without an attached version: "Node.js 22" and "Node.js" are one product."""
    return " ".join(_VERSION_TAIL.sub("", name).lower().split())


def _is_confident_product(e: Entity) -> bool:
    """A typed PRODUCT the typer is sure of, written like a product name (not an acronym)."""
    if e.label != "PRODUCT" or e.score < UNKNOWN_PRODUCT_MIN_SCORE:
        return False
    name = e.text
    if name in GENERIC_ACRONYMS or _unknown_key(name).upper() in _GENERIC_UPPER:
        return False
    letters = [c for c in name if c.isalpha()]
    if letters and all(c.isupper() for c in letters) and len(letters) <= 5:
        return False  # an acronym (SHA1, TSDB, VSO): too often a technical term
    return bool(_PRODUCT_SHAPE.search(_VERSION_TAIL.sub("", name)))


def _typed_model_entities(
    text: str,
    model_entities: Sequence[Entity],
    claimed: Sequence[tuple[int, int]],
    typer: SpanTyper | None,
) -> list[Entity]:
    """Model spans repaired into whole names, plus shape-only names, each typed by the typer."""
    raw = [
        (e.span.start, e.span.end, e.label, e.score)
        for e in model_entities
        if not _is_function_word(e.text)
    ]
    cands = candidate_spans(text, raw, claimed)
    typed = type_candidates(
        text,
        [(c.start, c.end, c.label, c.score, is_sentence_start(text, c.start)) for c in cands],
        typer,
    )
    out = []
    for c, t in zip(cands, typed, strict=True):
        label, prob = t.label, t.prob
        words = text[c.start : c.end].split()
        if len(words) > 1 and (words[-1].lower().strip(".,") in ORG_WORDS or "&" in words):
            # "Verhoef Architects", "Kamp & Lee": a firm's name
            label, prob = "ORG", max(prob, t.probs[CLASSES.index("ORG")])
        if not c.label and (label != "PRODUCT" or prob < SHAPE_MIN_SCORE):
            continue  # a shape-only name that the typer does not read as a product
        name = text[c.start : c.end]
        if (
            label == "PRODUCT"
            and c.label in ("LOC", "PER")
            and c.score >= HEADS_SURE
            and not _PRODUCT_SHAPE.search(name)
        ):
            label, prob = c.label, c.score  # "Europe", "Dana": the heads are sure; no product shape
        if label == "PRODUCT" and name in DEMONYMS:
            label = "MISC"  # "Canadian customers", "in English and French"
        out.append(
            Entity(
                text=text[c.start : c.end],
                label=label,
                span=Span(c.start, c.end),
                source="model" if c.label else "shape",
                score=round(prob, 4),
            )
        )
    return out


def _people_named_before(entities: list[Entity]) -> list[Entity]:
    """A name made only of a person's names from the same draft is that person: after "Maya
    Okafor" (PER), "Maya" typed PRODUCT made a kind customer story "disparaging" (an editor's
    pass); a product-shaped name ("Maya 2") keeps its type."""
    names = {_bare(w) for e in entities if e.label == "PER" for w in e.text.split()}
    if not names:
        return entities
    return [
        replace(e, label="PER")
        if e.label in ("PRODUCT", "ORG", "MISC")
        and all(_bare(w) in names for w in e.text.split())
        and not _PRODUCT_SHAPE.search(e.text)
        else e
        for e in entities
    ]


def _bare(word: str) -> str:
    return _POSSESSIVE.sub("", word).casefold()


_POSSESSIVE = re.compile(r"['’]s?$")


def analyze_entities(
    text: str,
    model_entities: Sequence[Entity],
    guide: BrandGuide,
    *,
    typer: SpanTyper | None = None,
    retype: bool = True,
) -> tuple[list[Entity], list[Finding]]:
    """Merge ``model_entities`` (spans in ``text``) with the guide's gazetteer; find issues.

    ``retype``: repair and type the spans with the span typer (for the embedded heads, whose
    labels it was trained on); False keeps another model's spans and labels as they are
    (a Hugging Face NER pipeline or a hosted endpoint)."""
    matches = find_terms(text, gazetteer_terms(guide))
    guide_spans = [(m.start, m.end) for m in matches]
    entities: list[Entity] = [
        Entity(
            text=text[m.start : m.end],
            label=m.term.label,
            span=Span(m.start, m.end),
            source="guide",
            score=1.0,
            canonical=m.term.canonical,
        )
        for m in matches
    ]
    for start, end, kind in mentions(text):
        if not any(a < end and start < b for a, b in guide_spans):
            entities.append(Entity(text[start:end], kind, Span(start, end), "text", 1.0))
    claimed = [*guide_spans, *((e.span.start, e.span.end) for e in entities)]
    kept_model = (
        _typed_model_entities(text, model_entities, claimed, typer)
        if retype
        else [
            e
            for e in model_entities
            if not _is_function_word(e.text)
            and not any(a < e.span.end and e.span.start < b for a, b in claimed)
        ]
    )
    kept_model = _people_named_before(kept_model)
    entities.extend(kept_model)
    entities.sort(key=lambda e: (e.span.start, e.span.end))

    findings = [f for m in matches if (f := _finding_for(text, m, guide)) is not None]
    unknown: list[Entity] = []
    seen: set[str] = set()
    for e in kept_model:
        name = e.text
        key = _unknown_key(name)
        if not _is_confident_product(e) or key in seen or key in KNOWN_CAMELCASE:
            continue
        if _is_accepted(name, guide) or _is_accepted(name[: len(key)], guide):
            continue
        seen.add(key)
        unknown.append(e)
    if unknown:
        # one nudge per draft, at the first unknown name, listing them all: third-party
        # products are common in real copy, and one line per name reads as nagging
        first = unknown[0]
        names = ", ".join(f"“{e.text}”" for e in unknown[:MAX_UNKNOWN_LISTED])
        more = len(unknown) - MAX_UNKNOWN_LISTED
        extra = f" and {more} more" if more > 0 else ""
        what = (
            f"{names}{extra} look like product names"
            if len(unknown) > 1
            else f"{names} looks like a product name"
        )
        findings.append(
            Finding(
                rule_id=RULE_UNKNOWN,
                category=Category.ENTITIES.value,
                severity=Severity.SUGGESTION,
                message=(
                    f"{what} (confidence {first.score:.2f}) the brand guide does not know: if "
                    "ours, add them to the guide's products; if someone else's, check that they "
                    "should be named."
                ),
                span=first.span,
                matched=first.text,
                link=guide.link_for("products", "entities"),
                action="suggest",
            )
        )
    findings.sort(key=lambda f: (f.span.start, f.rule_id))
    return entities, findings
