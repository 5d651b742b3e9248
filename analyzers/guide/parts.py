"""The validated fields of one guide (base or profile-merged), and the checks across sections."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from analyzers.guide.folders import _paths
from analyzers.guide.model import (
    BannedTerm,
    ClaimChecks,
    Competitor,
    Limits,
    PreferredTerm,
    Product,
    Thresholds,
    Voice,
    _frozen_map,
)
from analyzers.guide.nodes import _Ctx, _Node
from analyzers.guide.schema import _DEFAULT_WEIGHTS, SCHEMA_VERSION, TOP_KEYS
from analyzers.guide.sections import (
    _banned_terms,
    _claim_checks,
    _competitors,
    _limits,
    _links,
    _preferred_terms,
    _products,
    _thresholds,
    _voice,
    _weights,
)
from analyzers.guide.validators import (
    _expect_list,
    _expect_map,
    _expect_str,
    _opt,
    _present,
    _strs,
    _unique,
)
from analyzers.hunspell import dictionary_roots, find_dictionary
from analyzers.types import Severity


@dataclass
class _Parts:
    """Validated fields of one (base or profile-merged) guide."""

    name: str = ""
    brand_names: tuple[str, ...] = ()
    products: tuple[Product, ...] = ()
    preferred: tuple[PreferredTerm, ...] = ()
    banned: tuple[BannedTerm, ...] = ()
    competitors: tuple[Competitor, ...] = ()
    voice: Voice = field(default_factory=Voice)
    limits: Limits = field(default_factory=Limits)
    thresholds: Thresholds = field(default_factory=Thresholds)
    weights: Mapping[str, float] = field(default_factory=_frozen_map)
    claims: tuple[BannedTerm, ...] = ()
    claim_checks: ClaimChecks = field(default_factory=ClaimChecks)
    links: Mapping[str, str] = field(default_factory=_frozen_map)
    styles: tuple[Path, ...] = ()
    vocabularies: tuple[Path, ...] = ()
    spelling: bool = True
    dictionaries: tuple[str, ...] = ()
    accepted: tuple[str, ...] = ()
    approvers: tuple[str, ...] = ()


def _build(ctx: _Ctx, root: _Node) -> _Parts:
    """Validate every field except profiles/channels; report problems into ``ctx``."""
    parts = _Parts()
    top = _expect_map(ctx, root, TOP_KEYS, required=("name",), what="a mapping of guide keys")
    if top is None:
        return parts
    version = _present(top, "version")
    if version is not None and version.value != SCHEMA_VERSION:
        ctx.error(version, f"unsupported schema version {version.value!r}", "Use `version: 1`.")
    parts.name = _opt(top, "name", lambda n: _expect_str(ctx, n), "")
    names = _strs(ctx, top, "brand_names")
    parts.brand_names = _unique((parts.name, *names)) if parts.name else _unique(names)
    parts.products = _opt(top, "products", lambda n: _products(ctx, n), ())
    parts.preferred = _opt(top, "preferred", lambda n: _preferred_terms(ctx, n), ())
    parts.banned = _opt(top, "banned", lambda n: _banned_terms(ctx, n, Severity.ERROR), ())
    parts.claims = _opt(top, "claims", lambda n: _banned_terms(ctx, n, Severity.WARNING), ())
    parts.claim_checks = _opt(top, "claim_checks", lambda n: _claim_checks(ctx, n), ClaimChecks())
    parts.competitors = _opt(top, "competitors", lambda n: _competitors(ctx, n), ())
    parts.voice = _opt(top, "voice", lambda n: _voice(ctx, n), Voice())
    parts.limits = _opt(top, "limits", lambda n: _limits(ctx, n), Limits())
    parts.thresholds = _opt(top, "thresholds", lambda n: _thresholds(ctx, n), Thresholds())
    parts.weights = _opt(top, "weights", lambda n: _weights(ctx, n), _frozen_map(_DEFAULT_WEIGHTS))
    parts.links = _opt(top, "links", lambda n: _links(ctx, n), _frozen_map())
    parts.styles = _opt(top, "styles", lambda n: _paths(ctx, n, vocab=False), ())
    parts.vocabularies = _opt(top, "vocabularies", lambda n: _paths(ctx, n, vocab=True), ())
    no_names: tuple[str, ...] = ()
    parts.spelling, parts.dictionaries = _opt(
        top, "spelling", lambda n: _spelling(ctx, n), (True, no_names)
    )
    parts.accepted = _unique(t.strip() for t in _strs(ctx, top, "accepted") if t.strip())
    parts.approvers = _approvers(ctx, top)
    _cross_checks(ctx, parts)
    return parts


_DICTIONARY_NAME = re.compile(r"[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})*")


def _spelling(ctx: _Ctx, node: _Node) -> tuple[bool, tuple[str, ...]] | None:
    """``spelling``: true or false, or the Hunspell dictionaries to check with (a name such as
    ``en_GB``, or a list: ``[en_GB, en_US]`` accepts either spelling). Each must be installed:
    a guide that names one this machine lacks is an error here, not a silent en_US check."""
    if isinstance(node.value, bool):
        return node.value, ()
    items = _expect_list(ctx, node, what="true, false or dictionary names such as en_GB")
    if items is None:
        return None
    if not items:
        ctx.error(
            node,
            "an empty list names no dictionary",
            "Use false to turn spelling off, true for en_US, or name one ([en_GB]).",
        )
        return None
    names: list[str] = []
    for item in items:
        name = item.value
        if not isinstance(name, str) or not _DICTIONARY_NAME.fullmatch(name):
            shown = (
                repr(name)
                if name is None or isinstance(name, str | int | float)
                else f"a {'list' if isinstance(name, list) else 'mapping'}"
            )
            ctx.error(
                item,
                f"expected a dictionary name such as en_GB, got {shown}",
                "Use true, false, a name (en_GB) or a list of names ([en_GB, en_US]).",
            )
            continue
        if find_dictionary(name, dictionary_roots()) is None:
            ctx.error(
                item,
                f"no Hunspell dictionary {name} is installed",
                f"Install it (Debian/Ubuntu: apt-get install hunspell-{_package(name)}), or put "
                f"{name}.aff and {name}.dic in a folder named by DICPATH.",
            )
            continue
        names.append(name)
    return (True, tuple(dict.fromkeys(names))) if names else None


def _package(name: str) -> str:
    return name.lower().replace("_", "-")


_USER_ID_RE = re.compile(r"[UW][A-Z0-9]{2,20}")


def _approvers(ctx: _Ctx, top: Mapping[str, _Node]) -> tuple[str, ...]:
    node = _present(top, "approvers")
    if node is None:
        return ()
    out: list[str] = []
    for item in _expect_list(ctx, node, what="a list of Slack user ids") or []:
        value = _expect_str(ctx, item)
        if value is None:
            continue
        if not _USER_ID_RE.fullmatch(value.strip()):
            ctx.error(
                item,
                f"{value!r} is not a Slack user id",
                "Use member ids like U0123ABCD (profile → ⋮ → Copy member ID).",
            )
            continue
        out.append(value.strip())
    return _unique(out)


def _cross_checks(ctx: _Ctx, parts: _Parts) -> None:
    """Contradictions between sections (line numbers come from the recorded origins)."""

    def origin(obj: object) -> _Node | None:
        return ctx.origin.get(id(obj))

    def line_of(node: _Node | None) -> str:
        return f" (line {node.where})" if node is not None and node.where else ""

    # a variant listed under two preferred terms; a preferred term that is another's variant
    variant_owner: dict[str, tuple[str, _Node | None]] = {}
    for entry in parts.preferred:
        v_nodes = ctx.variant_nodes.get(id(entry), [])
        for i, v in enumerate(entry.variants):
            v_node = v_nodes[i] if i < len(v_nodes) else origin(entry)
            key = v.lower()
            if key in variant_owner and variant_owner[key][0] != entry.preferred:
                first, first_node = variant_owner[key]
                ctx.error(
                    v_node,
                    f"variant {v!r} is listed under two preferred terms: "
                    f"{first!r}{line_of(first_node)} and {entry.preferred!r}",
                    "Keep it under one preferred term.",
                )
            variant_owner.setdefault(key, (entry.preferred, v_node))
    for entry in parts.preferred:
        owner = variant_owner.get(entry.preferred.lower())
        if owner is not None and owner[0] != entry.preferred:
            ctx.error(
                origin(entry),
                f"preferred term {entry.preferred!r} is also a variant of {owner[0]!r}"
                f"{line_of(owner[1])}",
                "A preferred term must not be replaced by another: remove one of the two.",
            )
    preferred = {p.preferred.lower(): p for p in parts.preferred}
    for kind, terms in (("banned", parts.banned), ("claims", parts.claims)):
        for term in terms:
            key = term.term.lower()
            if key in preferred:
                ctx.error(
                    origin(term),
                    f"{term.term!r} is banned but also a preferred term",
                    "Remove it from `preferred:` or from `" + kind + ":`.",
                )
            elif key in variant_owner:
                owner_name, o_node = variant_owner[key]
                ctx.error(
                    origin(term),
                    f"{term.term!r} is banned but also a variant of preferred term "
                    f"{owner_name!r}{line_of(o_node)}",
                    "List it in one place only: as a variant it already gets flagged with the "
                    "suggestion.",
                )
    # a competitor that is also one of our names
    ours = {n.lower() for n in parts.brand_names} | {p.name.lower() for p in parts.products}
    for comp in parts.competitors:
        for n in (comp.name, *comp.aliases):
            if n.lower() in ours:
                ctx.error(
                    origin(comp),
                    f"competitor name {n!r} is also one of our brand or product names",
                    "Remove it from one of the two lists.",
                )
