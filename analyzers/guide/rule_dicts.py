"""The guide's terminology and limits as Vale rule dicts (``BrandGuide.rule_definitions``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from analyzers.guide.messages import _fmt
from analyzers.types import Category, Severity

if TYPE_CHECKING:
    from analyzers.guide.model import BannedTerm, BrandGuide, PreferredTerm


READABILITY_MIN_WORDS = 30  # drafts shorter than this get no readability grade
FK_FORMULA = "(0.39 * (words / sentences)) + (11.8 * (syllables / words)) - 15.59"
_SPECIAL = set("\\.^$*+?()[]{}|")


def _escape(text: str) -> str:
    """Escape regex metacharacters but keep spaces and '#' readable (valid in Go and Python)."""
    return "".join("\\" + ch if ch in _SPECIAL else ch for ch in text)


def _pattern(text: str, is_regex: bool) -> str:
    return text if is_regex else _escape(text)


def _pct(text: str) -> str:
    """Vale messages go through printf: a literal '%' must be written '%%'."""
    return text.replace("%", "%%")


def _sentence(text: str) -> str:
    text = text.strip()
    if text and text[-1] not in ".!?":
        text += "."
    return text


def _slug(text: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", text)
    return "".join(w[:1].upper() + w[1:] for w in words) or "Term"


def _link(guide: BrandGuide, *keys: str) -> dict[str, str]:
    for key in (*keys, "guide"):
        if key in guide.links:
            return {"link": guide.links[key]}
    return {}


# A name inside an identifier is not prose: an @handle, a #hashtag, an e-mail address, a domain
# or a URL path keeps the casing its owner chose ("@northwindlumen", "dana@northwind.example").
_NOT_AFTER = r"(?<![@#./:])"
_NOT_BEFORE = r"(?![@]|[./:][^\W_])"


def _name_pattern(name: str) -> str:
    """A case-insensitive pattern for every spacing/casing of ``name`` ("Luma Sync", "lumasync"),
    outside handles, hashtags, e-mail addresses and web addresses."""
    parts = [p for chunk in re.split(r"[\s-]+", name) for p in _camel_parts(chunk) if p]
    return _NOT_AFTER + "(?i:" + "[ -]?".join(_escape(p) for p in parts) + ")" + _NOT_BEFORE


def _camel_parts(word: str) -> list[str]:
    return re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+|[^A-Za-z0-9]+", word) or [word]


def _compile_rules(guide: BrandGuide) -> list[tuple[str, dict[str, Any]]]:
    rules: list[tuple[str, dict[str, Any]]] = []
    used: set[str] = set()

    def name_for(prefix: str, label: str) -> str:
        name = f"Brand.{prefix}" if not label else f"Brand.{prefix}_{_slug(label)}"
        base, n = name, 2
        while name in used:
            name, n = f"{base}{n}", n + 1
        used.add(name)
        return name

    def add(prefix: str, label: str, rule: dict[str, Any]) -> None:
        rules.append((name_for(prefix, label), rule))

    term_link = _link(guide, "terminology")
    for p in guide.preferred:
        variants = sorted(p.variants, key=len, reverse=True)
        message = "Use '%s' instead of '%s'."
        if p.reason:
            message += " " + _pct(_sentence(p.reason))
        add(
            "Preferred",
            p.preferred,
            {
                "extends": "substitution",
                "message": message,
                "level": p.severity.value,
                "ignorecase": True,
                "swap": _swap(p, variants),
                "action": {"name": "replace"},
                "category": Category.TERMINOLOGY.value,
                **term_link,
            },
        )
    _terms(guide.banned, "Banned", "Avoid '%s'.", Category.TERMINOLOGY, term_link, name_for, rules)

    names = [*guide.brand_names, *(p.name for p in guide.products)]
    if names:
        swap: dict[str, str] = {}
        for n in names:
            swap.setdefault(_name_pattern(n), n)
        for prod in guide.products:
            for alias in prod.aliases:
                swap.setdefault(_name_pattern(alias), prod.name)
        add(
            "Products",
            "",
            {
                "extends": "substitution",
                "message": "Write '%s', not '%s': brand and product names keep their exact "
                "spelling and casing.",
                "level": Severity.WARNING.value,
                "ignorecase": False,
                "swap": dict(sorted(swap.items(), key=lambda kv: len(kv[0]), reverse=True)),
                "exceptions": [f"^{_escape(n)}$" for n in names],
                "action": {"name": "replace"},
                "category": Category.TERMINOLOGY.value,
                **_link(guide, "products", "terminology"),
            },
        )
    claim_link = _link(guide, "claims", "legal")
    _terms(
        guide.claims, "Claims", "Check the claim '%s'.", Category.STYLE, claim_link, name_for, rules
    )
    checks = guide.claim_checks
    if checks.superlatives or checks.absolutes or checks.extra:
        add(
            "ClaimCheck",
            "",
            {
                "extends": "brand-claims",
                "message": "Check the claim '%s': superlative and absolute claims need "
                "substantiation.",
                "level": checks.severity.value,
                "superlatives": checks.superlatives,
                "absolutes": checks.absolutes,
                "extra": list(checks.extra),
                "exceptions": list(checks.exceptions),
                # the guide's own claims report these words; the built-in check stays quiet there
                "defer": [_claim_pattern(c) for c in guide.claims],
                "category": Category.STYLE.value,
                **claim_link,
            },
        )

    lim = guide.limits
    read_link = _link(guide, "readability")
    if lim.readability_grade is not None:
        grade = _fmt(lim.readability_grade)
        add(
            "Readability",
            "",
            {
                "extends": "metric",
                "message": f"Aim for a Flesch-Kincaid grade of {grade} or lower (this text: %s).",
                # a grade read off a handful of words is noise: short drafts are not graded
                "formula": f"({FK_FORMULA}) * (words >= {READABILITY_MIN_WORDS})",
                "condition": f"> {grade}",
                "level": Severity.WARNING.value,
                "category": Category.READABILITY.value,
                **read_link,
            },
        )
    if lim.max_sentence_words is not None:
        add(
            "SentenceLength",
            "",
            {
                "extends": "occurrence",
                "message": f"Keep sentences to {lim.max_sentence_words} words or fewer "
                "(this one has %s).",
                "scope": "sentence",
                "span": "scope",
                "token": r"\b\w+\b",
                "max": lim.max_sentence_words,
                "level": Severity.WARNING.value,
                "category": Category.READABILITY.value,
                **read_link,
            },
        )
    if lim.max_exclamations is not None:
        style_link = _link(guide, "style", "voice")
        if lim.max_exclamations == 0:
            rule: dict[str, Any] = {
                "extends": "existence",
                "message": "Don't use exclamation marks.",
                "nonword": True,
                "tokens": ["!"],
            }
        else:
            most = lim.max_exclamations
            plural = "s" if most != 1 else ""
            rule = {
                "extends": "occurrence",
                "message": f"Use at most {most} exclamation mark{plural} per draft.",
                "scope": "text",
                "token": "!",
                "max": most,
            }
        rule.update(level=Severity.WARNING.value, category=Category.STYLE.value, **style_link)
        add("Exclamation", "", rule)
    return rules


def _swap(p: PreferredTerm, variants: Sequence[str]) -> dict[str, str]:
    """A preferred term's swap table: each variant, and with ``inflect`` each of its forms
    mapped to the preferred term in the same form ("logged in" -> "signed in")."""
    from analyzers.inflect import inflect_regex, variant_forms

    swap: dict[str, str] = {}
    for v in variants:
        if p.regex:
            swap[inflect_regex(v) if p.inflect else v] = p.preferred
            continue
        swap[_escape(v)] = p.preferred
        if not p.inflect:
            continue
        for form, replacement in variant_forms(v, p.preferred).items():
            swap.setdefault(_escape(form), replacement)
    return dict(sorted(swap.items(), key=lambda kv: len(kv[0]), reverse=True))


def _claim_pattern(term: BannedTerm) -> str:
    from analyzers.inflect import inflect_regex, phrase_pattern

    if term.regex:
        return inflect_regex(term.term) if term.inflect else term.term
    return phrase_pattern(term.term) if term.inflect else _escape(term.term)


def _terms(
    terms: Sequence[BannedTerm],
    prefix: str,
    lead: str,
    category: Category,
    link: Mapping[str, str],
    name_for: Callable[[str, str], str],
    rules: list[tuple[str, dict[str, Any]]],
) -> None:
    """Plain terms -> one ``brand-terms`` rule named ``Brand.<prefix>`` (each term keeps its own
    name, message, level and suggestions); regular-expression terms -> one existence rule each."""
    from analyzers.inflect import inflect_regex, phrase_forms

    entries: list[dict[str, Any]] = []
    at = len(rules)
    for t in terms:
        rule = _existence(t, lead, category, link)
        name = name_for(prefix, t.name or t.term)
        if t.regex:
            if t.inflect:
                rule["tokens"] = [inflect_regex(t.term)]
            rules.append((name, rule))
            continue
        entry: dict[str, Any] = {
            "name": name,
            "forms": phrase_forms(t.term) if t.inflect else [t.term],
            "message": rule["message"],
            "level": rule["level"],
        }
        if t.suggestions:
            entry["suggestions"] = list(t.suggestions)
        entry.update(link)
        entries.append(entry)
    if entries:
        bundle = {
            "extends": "brand-terms",
            "message": "%s",
            "terms": entries,
            "category": category.value,
            **link,
        }
        rules.insert(at, (name_for(prefix, ""), bundle))


def _existence(
    term: BannedTerm, lead: str, category: Category, link: Mapping[str, str]
) -> dict[str, Any]:
    message = lead
    if term.reason:
        message += " " + _pct(_sentence(term.reason))
    if term.suggestions:
        message += " Try " + " or ".join(f"'{_pct(s)}'" for s in term.suggestions) + "."
    rule: dict[str, Any] = {
        "extends": "existence",
        "message": message,
        "level": term.severity.value,
        "ignorecase": True,
        "tokens": [_pattern(term.term, term.regex)],
    }
    if not term.regex and (not term.term[:1].isalnum() or not term.term[-1:].isalnum()):
        # Vale wraps tokens in \b...\b, which never matches before '#' or after '%'.
        rule["nonword"] = True
        rule["tokens"] = [r"(?<![\w#$])" + _escape(term.term) + r"(?!\w)"]
    if term.suggestions:
        rule["action"] = {"name": "replace", "params": list(term.suggestions)}
    rule["category"] = category.value
    rule.update(link)
    return rule
