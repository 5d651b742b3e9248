"""``--filter``: which loaded rules run, as an expr-lang predicate over each rule's fields.

Vale (``internal/check/filter.go``) evaluates ``filter(Rules, {FILTER})`` with expr-lang, where
each rule offers ``.Name``, ``.Level``, ``.Scope``, ``.Message``, ``.Description``, ``.Extends``
and ``.Link``. This is the part of expr-lang such filters use: string / number / bool literals,
``[...]`` arrays, ``.Field``, ``==`` ``!=`` ``<`` ``<=`` ``>`` ``>=``, ``in`` / ``not in``,
``contains`` ``startsWith`` ``endsWith`` ``matches``, ``and`` / ``&&``, ``or`` / ``||``,
``not`` / ``!`` and parentheses. Anything else is a ``FilterError`` that names the token.
A filter may be given inline or as a path to a file that holds it (Vale's ``.expr`` files).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<num>\d+(?:\.\d+)?)
      | (?P<field>\.[A-Za-z_]\w*)
      | (?P<op>==|!=|<=|>=|&&|\|\||[<>!()\[\],])
      | (?P<word>[A-Za-z_]\w*)
    )""",
    re.X,
)
_WORD_OPS = {"and", "or", "not", "in", "contains", "startsWith", "endsWith", "matches"}

Env = Mapping[str, Any]
Node = Callable[[Env], Any]


class FilterError(ValueError):
    """The filter is not an expression this implementation reads; the message says where."""


def read_filter(value: str, cwd: Path) -> str:
    """The filter text: the file ``value`` names (relative to ``cwd``) or ``value`` itself."""
    path = Path(value) if Path(value).is_absolute() else cwd / value
    if value.endswith(".expr") or path.is_file():
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise FilterError(f"failed to read filter '{value}': {exc}") from None
    return value


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise FilterError(f"unexpected {text[pos : pos + 10]!r} at {pos} in filter {text!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> str:
        return self.toks[self.i][1] if self.i < len(self.toks) else ""

    def take(self, want: str | None = None) -> tuple[str, str]:
        if self.i >= len(self.toks):
            raise FilterError(f"filter {self.text!r} ends early")
        tok = self.toks[self.i]
        if want is not None and tok[1] != want:
            raise FilterError(f"expected {want!r}, got {tok[1]!r} in filter {self.text!r}")
        self.i += 1
        return tok

    def parse(self) -> Node:
        node = self.or_()
        if self.i != len(self.toks):
            raise FilterError(f"unexpected {self.peek()!r} in filter {self.text!r}")
        return node

    def or_(self) -> Node:
        left = self.and_()
        while self.peek() in ("or", "||"):
            self.take()
            right = self.and_()
            left = (lambda a, b: lambda e: bool(a(e)) or bool(b(e)))(left, right)
        return left

    def and_(self) -> Node:
        left = self.not_()
        while self.peek() in ("and", "&&"):
            self.take()
            right = self.not_()
            left = (lambda a, b: lambda e: bool(a(e)) and bool(b(e)))(left, right)
        return left

    def not_(self) -> Node:
        if self.peek() in ("not", "!"):
            self.take()
            inner = self.not_()
            return lambda e: not inner(e)
        return self.compare()

    def compare(self) -> Node:
        left = self.atom()
        op = self.peek()
        if op == "not" and self.i + 1 < len(self.toks) and self.toks[self.i + 1][1] == "in":
            self.take()
            self.take()
            right = self.atom()
            return lambda e: not _in(left(e), right(e))
        if op not in ("==", "!=", "<", "<=", ">", ">=", "in", *_WORD_OPS - {"and", "or", "not"}):
            return left
        self.take()
        right = self.atom()
        ops: dict[str, Callable[[Any, Any], bool]] = {
            "==": lambda a, b: bool(a == b),
            "!=": lambda a, b: bool(a != b),
            "<": lambda a, b: bool(a < b),
            "<=": lambda a, b: bool(a <= b),
            ">": lambda a, b: bool(a > b),
            ">=": lambda a, b: bool(a >= b),
            "in": _in,
            "contains": lambda a, b: _in(b, a),
            "startsWith": lambda a, b: str(a).startswith(str(b)),
            "endsWith": lambda a, b: str(a).endswith(str(b)),
            "matches": lambda a, b: re.search(str(b), str(a)) is not None,
        }
        fn = ops[op]
        return lambda e: fn(left(e), right(e))

    def atom(self) -> Node:
        kind, value = self.take()
        if value == "(":
            inner = self.or_()
            self.take(")")
            return inner
        if value == "[":
            items: list[Node] = []
            while self.peek() != "]":
                items.append(self.atom())
                if self.peek() == ",":
                    self.take()
            self.take("]")
            return lambda e: [item(e) for item in items]
        if kind == "str":
            text = value[1:-1].encode().decode("unicode_escape")
            return lambda e: text
        if kind == "num":
            num = float(value) if "." in value else int(value)
            return lambda e: num
        if kind == "field":
            name = value[1:]
            return lambda e: _field(e, name)
        if kind == "word" and value in ("true", "false", "nil"):
            const = {"true": True, "false": False, "nil": None}[value]
            return lambda e: const
        raise FilterError(f"unexpected {value!r} in filter {self.text!r}")


def _in(item: Any, container: Any) -> bool:
    if isinstance(container, str):
        return str(item) in container
    if isinstance(container, (list, tuple, set, frozenset)):
        if isinstance(item, (list, tuple)):
            return any(i in container for i in item)
        return item in container
    return False


def _field(env: Env, name: str) -> Any:
    if name not in env:
        raise FilterError(f"unknown field .{name} (known: {', '.join('.' + k for k in env)})")
    return env[name]


def compile_filter(text: str) -> Callable[[Env], bool]:
    """A predicate over one rule's fields; ``FilterError`` for what it cannot read."""
    node = _Parser(text).parse()
    return lambda env: bool(node(env))
