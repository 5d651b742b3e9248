"""Scalar and list validators: each reports a problem into the context and returns None."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

from analyzers.guide.messages import _did_you_mean, _fmt, _type_name
from analyzers.guide.nodes import _Ctx, _join, _Node
from analyzers.types import Severity


def _expect_str(ctx: _Ctx, node: _Node, *, allow_empty: bool = False) -> str | None:
    if isinstance(node.value, str):
        text = node.value.strip()
        if not text and not allow_empty:
            ctx.error(node, "must not be empty", "Write some text or remove the key.")
            return None
        return text
    hint = "Expected a string."
    if isinstance(node.value, bool):
        hint = "Expected a string. YAML reads yes/no/on/off/true/false as true/false: quote it."
    elif node.value is None:
        hint = (
            "Expected a string. A value that starts with '#' is a YAML comment: quote it, "
            'e.g. "#1".'
        )
    elif isinstance(node.value, int | float):
        hint = "Expected a string: quote it."
    elif node.is_map:
        hint = (
            "Expected a string. An unquoted ': ' makes YAML read a key: value pair: "
            "put the text in quotes."
        )
    ctx.error(node, f"expected a string, got {_type_name(node.value)}", hint)
    return None


def _expect_num(
    ctx: _Ctx,
    node: _Node,
    lo: float,
    hi: float,
    *,
    integer: bool = False,
) -> float | None:
    kind = "a whole number" if integer else "a number"
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        hint = f"Expected {kind} between {_fmt(lo)} and {_fmt(hi)}"
        if isinstance(value, str) and _looks_numeric(value):
            hint += ": remove the quotes or the unit"
        ctx.error(node, f"expected {kind}, got {_type_name(value)}", hint + ".")
        return None
    if integer and isinstance(value, float) and not value.is_integer():
        example = f"Use e.g. {round(value)}." if math.isfinite(value) else f"Use e.g. {_fmt(hi)}."
        ctx.error(node, f"expected a whole number, got {value}", example)
        return None
    if value != value or not (lo <= value <= hi):  # NaN or out of range
        ctx.error(
            node,
            f"{_fmt(value)} is out of range",
            f"Use a value between {_fmt(lo)} and {_fmt(hi)}.",
        )
        return None
    return float(value)


def _looks_numeric(text: str) -> bool:
    return bool(re.match(r"^\s*[-+]?\d+(\.\d+)?\s*%?\s*\w*\s*$", text))


def _expect_bool(ctx: _Ctx, node: _Node) -> bool | None:
    if isinstance(node.value, bool):
        return node.value
    ctx.error(node, f"expected true or false, got {_type_name(node.value)}", "Use true or false.")
    return None


def _expect_severity(ctx: _Ctx, node: _Node) -> Severity | None:
    names = [s.value for s in Severity]
    if isinstance(node.value, str):
        try:
            return Severity.from_vale(node.value)
        except ValueError:
            pass
    hint = _did_you_mean(str(node.value).lower(), names) or ""
    ctx.error(
        node,
        f"unknown severity {node.value!r}",
        (hint + " " if hint else "") + f"Use one of: {', '.join(names)}.",
    )
    return None


def _expect_map(
    ctx: _Ctx,
    node: _Node,
    known: Sequence[str] | None,
    *,
    required: Sequence[str] = (),
    what: str = "a mapping of key: value",
) -> dict[str, _Node] | None:
    """A mapping node's children; reports unknown and missing keys. ``known=None``: any key."""
    if not node.is_map:
        ctx.error(node, f"expected {what}, got {_type_name(node.value)}")
        return None
    children: dict[str, _Node] = node.value
    if known is not None:
        for key, child in children.items():
            if key not in known:
                hint = _did_you_mean(key, known) or f"Known keys: {', '.join(known)}."
                ctx.error(child, "unknown key", hint)
    for key in required:
        _require(ctx, children, key, node, f"Add `{key}:` here.", parent=node)
    return children


def _require(
    ctx: _Ctx,
    children: Mapping[str, _Node],
    key: str,
    at: _Node | None,
    hint: str,
    *,
    parent: _Node,
) -> bool:
    """Reports ``key`` missing (or null) in ``parent``'s ``children``, at the node ``at``;
    True when it is there."""
    if key in children and not children[key].is_null:
        return True
    ctx.error(at, f"missing required key {key!r}", hint, path=_join(parent.path, key))
    return False


def _expect_list(ctx: _Ctx, node: _Node, *, what: str = "a list") -> list[_Node] | None:
    """A list node's items; a single scalar counts as a one-item list."""
    if node.is_seq:
        return list(node.value)
    if node.is_null:
        return []
    if isinstance(node.value, str):
        return [node]
    ctx.error(node, f"expected {what}, got {_type_name(node.value)}", "Write one item per `- `.")
    return None


def _str_list(ctx: _Ctx, node: _Node) -> tuple[str, ...]:
    out: list[str] = []
    for item in _expect_list(ctx, node, what="a list of strings") or []:
        s = _expect_str(ctx, item)
        if s is not None:
            out.append(s)
    return tuple(out)


def _strs(ctx: _Ctx, children: Mapping[str, _Node], key: str) -> tuple[str, ...]:
    node = children.get(key)
    return () if node is None or node.is_null else _str_list(ctx, node)


def _present(children: Mapping[str, _Node], key: str) -> _Node | None:
    node = children.get(key)
    return None if node is None or node.is_null else node


T = TypeVar("T")


def _opt(children: Mapping[str, _Node], key: str, fn: Callable[[_Node], T | None], default: T) -> T:
    node = _present(children, key)
    if node is None:
        return default
    value = fn(node)
    return default if value is None else value


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _entries(
    ctx: _Ctx, node: _Node, known: Sequence[str], shorthand: str | None
) -> list[tuple[_Node, dict[str, _Node]]]:
    """List items as mappings; a bare string item means ``{shorthand: item}`` when allowed."""
    out: list[tuple[_Node, dict[str, _Node]]] = []
    if not node.is_seq:
        ctx.error(
            node,
            f"expected a list, got {_type_name(node.value)}",
            "Write one entry per `- ` line.",
        )
        return out
    for item in node.value:
        if item.is_null:
            ctx.error(
                item,
                "empty entry",
                "Remove the bare `-`, or quote the value: YAML reads text after '#' as a "
                'comment, so write "#1".',
            )
            continue
        if shorthand is not None and isinstance(item.value, str):
            out.append((item, {shorthand: item}))
            continue
        children = _expect_map(ctx, item, known, required=(known[0],))
        if children is not None:
            out.append((item, children))
    return out
