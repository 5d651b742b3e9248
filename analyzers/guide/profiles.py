"""Profiles merged over the base guide, and the channels mapped to them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from analyzers.guide.messages import _did_you_mean, _type_name
from analyzers.guide.nodes import _Ctx, _join, _Node, _plain
from analyzers.guide.schema import LIST_FIELDS, LIST_OPS, PROFILE_FORBIDDEN, PROFILE_KEYS
from analyzers.guide.validators import _expect_list, _expect_map, _expect_str, _present


def _merge(ctx: _Ctx, base: _Node | None, over: _Node, schema: str) -> _Node:
    """Profile override ``over`` applied to ``base``: mappings merge, lists replace or edit."""
    if schema in LIST_FIELDS and over.is_map:
        return _list_ops(ctx, base, over, schema)
    if over.is_map and base is not None and base.is_map:
        merged = dict(base.value)
        for key, child in over.value.items():
            merged[key] = _merge(ctx, base.value.get(key), child, _join(schema, key))
        return _Node(merged, over.line, over.path, over.key_line)
    return over


def _list_ops(ctx: _Ctx, base: _Node | None, over: _Node, schema: str) -> _Node:
    ops = _expect_map(ctx, over, LIST_OPS, what="a list, or a mapping with extend/remove")
    items: list[_Node] = list(base.value) if base is not None and base.is_seq else []
    if ops is None:
        return _Node(items, over.line, over.path, over.key_line)
    id_key = LIST_FIELDS[schema]

    def ident(n: _Node) -> str | None:
        if isinstance(n.value, str):
            return n.value.strip().lower()
        if id_key and n.is_map and id_key in n.value and isinstance(n.value[id_key].value, str):
            return str(n.value[id_key].value).strip().lower()
        return None

    remove = _present(ops, "remove")
    if remove is not None:
        known = {ident(n): n for n in items}
        drop: set[str] = set()
        for r_node in _expect_list(ctx, remove) or []:
            r = _expect_str(ctx, r_node)
            if r is None:
                continue
            if r.lower() not in known:
                choices = [str(k) for k in known if k]
                hint = _did_you_mean(r.lower(), choices) or (
                    f"The base guide lists: {', '.join(choices)}." if choices else ""
                )
                ctx.error(r_node, f"{r!r} is not in the base guide's {schema}", hint)
            drop.add(r.lower())
        items = [n for n in items if ident(n) not in drop]
    extend = _present(ops, "extend")
    if extend is not None:
        if extend.is_seq:
            items.extend(extend.value)
        else:
            ctx.error(extend, f"expected a list, got {_type_name(extend.value)}")
    return _Node(items, over.line, over.path, over.key_line)


def _resolve_profiles(
    ctx: _Ctx, root: _Node, top: Mapping[str, _Node]
) -> tuple[dict[str, _Node], Mapping[str, Mapping[str, Any]]]:
    merged: dict[str, _Node] = {}
    raw: dict[str, Mapping[str, Any]] = {}
    p_node = _present(top, "profiles")
    if p_node is None:
        return merged, raw
    profiles = _expect_map(ctx, p_node, None, what="a mapping of profile name: overrides")
    for name, over in (profiles or {}).items():
        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            ctx.error(
                over,
                f"invalid profile name {name!r}",
                "Use letters, digits, '-' and '_' only.",
            )
            continue
        if over.is_null:
            over = _Node({}, over.line, over.path, over.key_line)
        o = _expect_map(ctx, over, None, what="a mapping of overrides")
        if o is None:
            continue
        valid: dict[str, _Node] = {}
        for key, child in o.items():
            if key in PROFILE_FORBIDDEN:
                ctx.error(child, f"a profile cannot override {key!r}", "Set it in the base guide.")
            elif key not in PROFILE_KEYS:
                hint = _did_you_mean(key, PROFILE_KEYS) or f"Known keys: {', '.join(PROFILE_KEYS)}."
                ctx.error(child, "unknown key", hint)
            else:
                valid[key] = child
        # the bad keys are reported; the rest is still merged and validated for more errors
        over = _Node(valid, over.line, over.path, over.key_line)
        base_map = {k: v for k, v in root.value.items() if k not in ("profiles", "channels")}
        merged_root = _merge(ctx, _Node(base_map, root.line, root.path), over, "")
        merged[name] = merged_root
        raw[name] = _plain(over)
    return merged, raw


def _channels(
    ctx: _Ctx, top: Mapping[str, _Node], profiles: Mapping[str, Any]
) -> Mapping[str, str]:
    out: dict[str, str] = {}
    node = _present(top, "channels")
    if node is None:
        return MappingProxyType(out)
    for key, child in (
        _expect_map(ctx, node, None, what="a mapping of channel: profile") or {}
    ).items():
        value = _expect_str(ctx, child)
        if value is None:
            continue
        if value not in profiles:
            available = ", ".join(sorted(profiles)) or "none defined"
            hint = _did_you_mean(value, profiles) or ""
            ctx.error(
                child,
                f"unknown profile {value!r}",
                (hint + " " if hint else "") + f"Profiles defined under `profiles:`: {available}.",
            )
            continue
        out[key] = value
    return MappingProxyType(out)
