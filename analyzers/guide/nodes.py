"""The guide's YAML as a located node tree: every value keeps its line (size limits included).

``_Ctx`` collects the problems found while the tree is validated.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from analyzers.guide.errors import GuideError


@dataclass(eq=False)
class _Node:
    value: Any  # dict[str, _Node] | list[_Node] | scalar
    line: int | None  # 1-based line of the value
    path: str  # key path where it was written, e.g. "voice.formality.target"
    key_line: int | None = None  # line of the key that holds it (mappings only)

    @property
    def where(self) -> int | None:
        return self.key_line if self.key_line is not None else self.line

    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_seq(self) -> bool:
        return isinstance(self.value, list)

    @property
    def is_null(self) -> bool:
        return self.value is None


class _Ctx:
    def __init__(self, file: str | None, base_dir: Path) -> None:
        self.file = file
        self.base_dir = base_dir
        self.errors: list[GuideError] = []
        self.warnings: list[str] = []
        self.nodes = 0
        self._seen: set[tuple[int | None, str, str]] = set()
        # where each built entry came from, by id() of the built value (they all stay alive)
        self.origin: dict[int, _Node] = {}
        self.variant_nodes: dict[int, list[_Node]] = {}

    def error(
        self, node: _Node | None, problem: str, hint: str | None = None, *, path: str | None = None
    ) -> None:
        line = node.where if node is not None else None
        key_path = path if path is not None else (node.path if node is not None else "")
        key = (line, key_path, problem)
        if key in self._seen:
            return
        self._seen.add(key)
        self.errors.append(
            GuideError(problem, file=self.file, line=line, key_path=key_path, hint=hint)
        )

    def warn(self, node: _Node, text: str) -> None:
        line = f":{node.where}" if node.where is not None else ""
        msg = f"{self.file or '<guide>'}{line}: {node.path}: {text}"
        if msg not in self.warnings:
            self.warnings.append(msg)

    def raise_if_errors(self) -> None:
        if self.errors:
            self.errors.sort(key=lambda e: e.line if e.line is not None else 0)
            first = self.errors[0]
            raise GuideError(
                first.problem,
                file=first.file,
                line=first.line,
                key_path=first.key_path,
                hint=first.hint,
                errors=self.errors,
            )


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _compose(ctx: _Ctx, text: str) -> _Node | None:
    try:
        loader = yaml.SafeLoader(text)  # the reader checks the characters here already
    except yaml.YAMLError as exc:
        problem = getattr(exc, "reason", None) or "not valid YAML text"
        ctx.errors.append(GuideError(f"invalid YAML: {problem}", file=ctx.file, hint=_CONTROL_HINT))
        return None
    try:
        root = loader.get_single_node()
        if root is None:
            ctx.error(None, "the guide is empty", "It needs at least `name:`.")
            return None
        return _convert(ctx, loader, root, "", None, set())
    except _TooLarge:
        ctx.errors.append(
            GuideError(
                f"the guide expands to more than {MAX_NODES} values",
                file=ctx.file,
                hint="Check for aliases (*name) that repeat large anchors many times.",
            )
        )
        return None
    except RecursionError:
        ctx.errors.append(
            GuideError("nested too deeply", file=ctx.file, hint="A guide needs a few levels only.")
        )
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        ctx.errors.append(
            GuideError(
                f"invalid YAML: {problem}",
                file=ctx.file,
                line=mark.line + 1 if mark is not None else None,
                hint="Check the indentation and quoting on this line and the one before it; "
                "quote values that contain ': ' or start with '#', '*', '&', '!', '[' or '{'.",
            )
        )
        return None
    except yaml.YAMLError as exc:  # e.g. a reader error on control characters
        problem = getattr(exc, "reason", None) or getattr(exc, "problem", None) or "invalid"
        ctx.errors.append(GuideError(f"invalid YAML: {problem}", file=ctx.file, hint=_CONTROL_HINT))
        return None
    except GuideError:
        raise
    except (ValueError, TypeError, AttributeError, OverflowError) as exc:
        # a tagged value PyYAML cannot build: `!!int hello`, `!!timestamp hello`
        ctx.errors.append(
            GuideError(
                f"a tagged value cannot be read ({type(exc).__name__})",
                file=ctx.file,
                hint="Remove the `!!tag` before the value, or fix the value it tags.",
            )
        )
        return None
    finally:
        with contextlib.suppress(NameError, AttributeError):
            loader.dispose()


_CONTROL_HINT = "Save the file as UTF-8 text without control characters."

MAX_DEPTH = 20
MAX_NODES = 200_000  # aliases expand: this stops a "billion laughs" guide


class _TooLarge(Exception):
    pass


def _convert(
    ctx: _Ctx,
    loader: yaml.SafeLoader,
    node: yaml.Node,
    path: str,
    key_line: int | None,
    active: set[int],
) -> _Node:
    line = node.start_mark.line + 1
    ctx.nodes += 1
    if ctx.nodes > MAX_NODES:
        raise _TooLarge
    if isinstance(node, yaml.CollectionNode):
        if id(node) in active or len(active) >= MAX_DEPTH:
            problem = "an alias refers to itself" if id(node) in active else "nested too deeply"
            ctx.error(
                _Node(None, line, path, key_line),
                problem,
                "Remove the self-reference or flatten the structure.",
            )
            return _Node(None, line, path, key_line)
        active = active | {id(node)}
    if isinstance(node, yaml.MappingNode):
        own_keys: dict[str, int] = {}
        for k, _ in node.value:
            if k.tag == "tag:yaml.org,2002:merge":
                continue
            kv = loader.construct_object(k, deep=True) if isinstance(k, yaml.ScalarNode) else k
            if isinstance(kv, str | int | float | bool) or kv is None:
                skey = str(kv)
                kline = k.start_mark.line + 1
                if skey in own_keys:
                    ctx.error(
                        _Node(None, kline, _join(path, skey)),
                        f"duplicate key (first defined on line {own_keys[skey]})",
                        "Keep one of them; YAML would silently use the last one.",
                    )
                else:
                    own_keys[skey] = kline
        loader.flatten_mapping(node)  # resolves `<<: *anchor` merges
        out: dict[str, _Node] = {}
        for k, v in node.value:
            kline = k.start_mark.line + 1
            if not isinstance(k, yaml.ScalarNode):
                ctx.error(_Node(None, kline, path), "a key must be a plain word, not a collection")
                continue
            kv = loader.construct_object(k, deep=True)
            if not isinstance(kv, str):
                kv = "null" if kv is None else str(kv).lower() if isinstance(kv, bool) else str(kv)
            child_path = _join(path, kv)
            out[kv] = _convert(ctx, loader, v, child_path, kline, active)
        return _Node(out, line, path, key_line)
    if isinstance(node, yaml.SequenceNode):
        items = [
            _convert(ctx, loader, item, f"{path}[{i}]", None, active)
            for i, item in enumerate(node.value)
        ]
        return _Node(items, line, path, key_line)
    value = loader.construct_object(node, deep=True)
    if not isinstance(value, str | int | float | bool) and value is not None:
        value = str(value)  # dates and other exotic scalars: validated as strings later
    return _Node(value, line, path, key_line)


def _plain(node: _Node) -> Any:
    """Node tree -> deeply frozen plain values (for ``BrandGuide.profiles``)."""
    if node.is_map:
        return MappingProxyType({k: _plain(v) for k, v in node.value.items()})
    if node.is_seq:
        return tuple(_plain(v) for v in node.value)
    return node.value
