"""Section builders: one validated section of the guide (products, terms, voice, ...) each."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from analyzers.guide.messages import _did_you_mean, _fmt
from analyzers.guide.model import (
    EMOTION_GROUPS,
    BannedTerm,
    ClaimChecks,
    Competitor,
    Limits,
    PreferredTerm,
    Product,
    Thresholds,
    ToneTarget,
    Voice,
)
from analyzers.guide.nodes import _Ctx, _join, _Node
from analyzers.guide.schema import (
    _DEFAULT_WEIGHTS,
    BANNED_KEYS,
    CATEGORIES,
    CLAIM_CHECK_KEYS,
    COMPETITOR_KEYS,
    LIMIT_KEYS,
    PREFERRED_KEYS,
    PRODUCT_KEYS,
    THRESHOLD_KEYS,
    TONE_KEYS,
    VOICE_KEYS,
)
from analyzers.guide.validators import (
    _entries,
    _expect_bool,
    _expect_map,
    _expect_num,
    _expect_severity,
    _expect_str,
    _opt,
    _present,
    _require,
    _strs,
    _unique,
)
from analyzers.types import Severity


def _listed_twice(
    ctx: _Ctx, seen: dict[str, _Node], node: _Node, value: str, what: str, fix: str
) -> bool:
    """Report ``value`` if an earlier entry had it (case-insensitive), else remember it."""
    first = seen.get(value.lower())
    if first is not None:
        ctx.error(node, f"{what} is listed twice (first on line {first.where})", fix)
        return True
    seen[value.lower()] = node
    return False


def _products(ctx: _Ctx, node: _Node) -> tuple[Product, ...] | None:
    out: list[Product] = []
    seen: dict[str, _Node] = {}
    for _item, c in _entries(ctx, node, PRODUCT_KEYS, "name"):
        name = _opt(c, "name", lambda n: _expect_str(ctx, n), "")
        if not name:
            continue
        if _listed_twice(ctx, seen, c["name"], name, f"product {name!r}", "Remove one entry."):
            continue
        aliases = _strs(ctx, c, "aliases")
        for a_node, alias in zip(_items(c, "aliases"), aliases, strict=False):
            if alias == name:
                ctx.error(a_node, "an alias equal to the name has no effect", "Remove it.")
        out.append(Product(name, tuple(a for a in aliases if a != name)))
    return tuple(out)


def _items(children: Mapping[str, _Node], key: str) -> list[_Node]:
    node = children.get(key)
    if node is None or node.is_null:
        return []
    return list(node.value) if node.is_seq else [node]


def _preferred_terms(ctx: _Ctx, node: _Node) -> tuple[PreferredTerm, ...] | None:
    out: list[PreferredTerm] = []
    for _item, c in _entries(ctx, node, PREFERRED_KEYS, None):
        hint = "List the words to replace under `variants:`."
        _require(ctx, c, "variants", c.get("preferred"), hint, parent=_item)
        preferred = _opt(c, "preferred", lambda n: _expect_str(ctx, n), "")
        variants = _strs(ctx, c, "variants")
        regex_ = _opt(c, "regex", lambda n: _expect_bool(ctx, n), False)
        for v_node, v in zip(_items(c, "variants"), variants, strict=False):
            if preferred and v.lower() == preferred.lower():
                ctx.error(
                    v_node,
                    f"variant {v!r} is the preferred term itself",
                    "Remove it; for casing rules list the name under `products:`.",
                )
            if regex_:
                _check_regex(ctx, v_node, v)
        if not preferred or not variants:
            continue
        term = PreferredTerm(
            preferred=preferred,
            variants=variants,
            reason=_opt(c, "reason", lambda n: _expect_str(ctx, n, allow_empty=True), ""),
            severity=_opt(c, "severity", lambda n: _expect_severity(ctx, n), Severity.WARNING),
            regex=regex_,
            inflect=_opt(c, "inflect", lambda n: _expect_bool(ctx, n), True),
        )
        ctx.origin[id(term)] = c["preferred"]
        ctx.variant_nodes[id(term)] = [n for n in _items(c, "variants") if isinstance(n.value, str)]
        out.append(term)
    return tuple(out)


def _banned_terms(ctx: _Ctx, node: _Node, default: Severity) -> tuple[BannedTerm, ...] | None:
    out: list[BannedTerm] = []
    seen: dict[str, _Node] = {}
    for _item, c in _entries(ctx, node, BANNED_KEYS, None):
        term = _opt(c, "term", lambda n: _expect_str(ctx, n), "")
        hint = "Say why it is banned: the reason is shown to the writer."
        _require(ctx, c, "reason", c.get("term"), hint, parent=_item)
        reason = _opt(c, "reason", lambda n: _expect_str(ctx, n), "")
        regex_ = _opt(c, "regex", lambda n: _expect_bool(ctx, n), False)
        if term and regex_:
            _check_regex(ctx, c["term"], term)
        if not term:
            continue
        if _listed_twice(ctx, seen, c["term"], term, repr(term), "Remove one entry."):
            continue
        banned = BannedTerm(
            term=term,
            reason=reason,
            severity=_opt(c, "severity", lambda n: _expect_severity(ctx, n), default),
            suggestions=_strs(ctx, c, "suggestions"),
            regex=regex_,
            inflect=_opt(c, "inflect", lambda n: _expect_bool(ctx, n), True),
            name=_opt(c, "name", lambda n: _expect_str(ctx, n), ""),
        )
        ctx.origin[id(banned)] = c["term"]
        out.append(banned)
    return tuple(out)


def _claim_checks(ctx: _Ctx, node: _Node) -> ClaimChecks | None:
    c = _expect_map(ctx, node, CLAIM_CHECK_KEYS)
    if c is None:
        return None
    extra = _strs(ctx, c, "extra")
    for item, pattern in zip(_items(c, "extra"), extra, strict=False):
        _check_regex(ctx, item, pattern)
    return ClaimChecks(
        superlatives=_opt(c, "superlatives", lambda n: _expect_bool(ctx, n), True),
        absolutes=_opt(c, "absolutes", lambda n: _expect_bool(ctx, n), True),
        extra=extra,
        exceptions=_strs(ctx, c, "exceptions"),
        severity=_opt(c, "severity", lambda n: _expect_severity(ctx, n), Severity.WARNING),
    )


def _check_regex(ctx: _Ctx, node: _Node, pattern: str) -> None:
    import regex as re2

    from analyzers.rules.bounded import probe

    try:
        compiled = re2.compile(pattern)
    except re2.error as exc:
        ctx.error(
            node,
            f"invalid regular expression: {exc}",
            "Fix the pattern, or drop `regex: true` to match the text literally.",
        )
        return
    problem = probe(compiled)
    if problem is not None:
        ctx.error(
            node,
            f"regular expression {pattern[:80]!r} is too slow: {problem}",
            "Rewrite it without nested or overlapping repetition, or drop `regex: true`.",
        )


def _competitors(ctx: _Ctx, node: _Node) -> tuple[Competitor, ...] | None:
    out: list[Competitor] = []
    seen: dict[str, _Node] = {}
    for _item, c in _entries(ctx, node, COMPETITOR_KEYS, "name"):
        name = _opt(c, "name", lambda n: _expect_str(ctx, n), "")
        if not name:
            continue
        if _listed_twice(
            ctx, seen, c["name"], name, f"competitor {name!r}", "Merge the two entries."
        ):
            continue
        aliases = _strs(ctx, c, "aliases")
        tickers = _strs(ctx, c, "tickers")
        for t_node, t in zip(_items(c, "tickers"), tickers, strict=False):
            if not re.fullmatch(r"[A-Z][A-Z0-9.]{0,9}", t.lstrip("$")):
                ctx.error(
                    t_node,
                    f"{t!r} does not look like a stock ticker",
                    "Tickers are 1-10 capital letters or digits, e.g. BRTL; put other names "
                    "under `aliases:`.",
                )
        comp = Competitor(
            name=name,
            aliases=_unique(a for a in (*aliases, *tickers) if a != name),
            severity=_opt(c, "severity", lambda n: _expect_severity(ctx, n), Severity.ERROR),
            tickers=tickers,
        )
        ctx.origin[id(comp)] = c["name"]
        out.append(comp)
    return tuple(out)


def _tone(ctx: _Ctx, node: _Node) -> ToneTarget | None:
    if not node.is_map:
        target = _expect_num(ctx, node, 0.0, 1.0)
        return None if target is None else ToneTarget(target)
    c = _expect_map(ctx, node, TONE_KEYS, required=("target",))
    if c is None:
        return None
    target = _opt(c, "target", lambda n: _expect_num(ctx, n, 0.0, 1.0), None)
    tolerance = _opt(c, "tolerance", lambda n: _expect_num(ctx, n, 0.0, 1.0), 0.2)
    return None if target is None else ToneTarget(target, tolerance)


def _voice(ctx: _Ctx, node: _Node) -> Voice | None:
    c = _expect_map(ctx, node, VOICE_KEYS)
    if c is None:
        return None
    emotions: dict[str, ToneTarget] = {}
    em_node = _present(c, "emotions")
    if em_node is not None:
        for key, child in (_expect_map(ctx, em_node, EMOTION_GROUPS) or {}).items():
            if key in EMOTION_GROUPS and not child.is_null:
                t = _tone(ctx, child)
                if t is not None:
                    emotions[key] = t
    avoid = _strs(ctx, c, "avoid_emotions")
    for a_node, a in zip(_items(c, "avoid_emotions"), avoid, strict=False):
        if a not in EMOTION_GROUPS:
            hint = _did_you_mean(a, EMOTION_GROUPS) or ""
            ctx.error(
                a_node,
                f"unknown emotion {a!r}",
                (hint + " " if hint else "") + f"Use one of: {', '.join(EMOTION_GROUPS)}.",
            )
        elif a in emotions:
            ctx.error(
                a_node,
                f"{a!r} is both a target under voice.emotions and in avoid_emotions",
                "Keep it in one place.",
            )
    return Voice(
        description=_opt(c, "description", lambda n: _expect_str(ctx, n, allow_empty=True), ""),
        formality=_opt(c, "formality", lambda n: _tone(ctx, n), None),
        confidence=_opt(c, "confidence", lambda n: _tone(ctx, n), None),
        emotions=MappingProxyType(emotions),
        avoid_emotions=tuple(a for a in avoid if a in EMOTION_GROUPS),
        on_voice=_strs(ctx, c, "on_voice"),
        off_voice=_strs(ctx, c, "off_voice"),
        min_voice_match=_opt(c, "min_voice_match", lambda n: _expect_num(ctx, n, 0.0, 1.0), None),
        advice=_opt(c, "advice", lambda n: _expect_str(ctx, n, allow_empty=True), "").strip(),
    )


def _limits(ctx: _Ctx, node: _Node) -> Limits | None:
    c = _expect_map(ctx, node, LIMIT_KEYS)
    if c is None:
        return None

    def as_int(n: _Node, lo: int, hi: int) -> int | None:
        v = _expect_num(ctx, n, lo, hi, integer=True)
        return None if v is None else int(v)

    return Limits(
        readability_grade=_opt(c, "readability_grade", lambda n: _expect_num(ctx, n, 1, 24), None),
        max_sentence_words=_opt(c, "max_sentence_words", lambda n: as_int(n, 3, 200), None),
        max_exclamations=_opt(c, "max_exclamations", lambda n: as_int(n, 0, 100), None),
        sentiment_floor=_opt(c, "sentiment_floor", lambda n: _expect_num(ctx, n, -1, 1), None),
    )


def _thresholds(ctx: _Ctx, node: _Node) -> Thresholds | None:
    c = _expect_map(ctx, node, THRESHOLD_KEYS)
    if c is None:
        return None
    pass_score = _opt(c, "pass_score", lambda n: _expect_num(ctx, n, 0, 100), 80.0)
    alert_score = _opt(c, "alert_score", lambda n: _expect_num(ctx, n, 0, 100), 50.0)
    if alert_score > pass_score:
        ctx.error(
            c.get("alert_score") or node,
            f"alert_score ({_fmt(alert_score)}) is above pass_score ({_fmt(pass_score)})",
            "Alerts are for drafts that fail badly: make alert_score lower than pass_score.",
            path=_join(node.path, "alert_score"),
        )
    return Thresholds(pass_score, alert_score)


def _weights(ctx: _Ctx, node: _Node) -> Mapping[str, float] | None:
    c = _expect_map(ctx, node, CATEGORIES)
    if c is None:
        return None
    weights = dict(_DEFAULT_WEIGHTS)
    for key, child in c.items():
        if key in CATEGORIES and not child.is_null:
            w = _expect_num(ctx, child, 0, 100)
            if w is not None:
                weights[key] = w
    if not any(weights.values()):
        ctx.error(node, "every weight is 0", "Give at least one category a weight above 0.")
    return MappingProxyType(weights)


def _links(ctx: _Ctx, node: _Node) -> Mapping[str, str] | None:
    c = _expect_map(ctx, node, None)
    if c is None:
        return None
    links: dict[str, str] = {}
    for key, child in c.items():
        url = _expect_str(ctx, child)
        if url is None:
            continue
        if not re.match(r"^(https?://\S+|mailto:\S+)$", url):
            ctx.error(child, f"{url!r} is not a link", "Use a full URL, e.g. https://...")
            continue
        links[key] = url
    return MappingProxyType(links)
