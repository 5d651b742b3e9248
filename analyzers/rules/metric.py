"""``extends: metric`` (a formula over document statistics) and the older ``readability``."""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from typing import Any

import regex

from analyzers.rules.base import (
    BaseRule,
    FileState,
    Match,
    ScopedBlock,
    format_message,
    split_sentences,
)

_WORD = regex.compile(r"[\p{L}\p{N}]+(?:['’.\-][\p{L}\p{N}]+)*")
_VOWELS = regex.compile(r"[aeiouy]+")


def syllables(word: str) -> int:
    """A common English syllable heuristic (vowel groups with silent-e corrections)."""
    w = word.lower()
    w = regex.sub(r"[^a-z]", "", w)
    if not w:
        return 0
    if len(w) <= 3:
        return 1
    w = regex.sub(r"(?:[^laeiouy]es|ed|[^laeiouy]e)$", "", w)
    w = regex.sub(r"^y", "", w)
    n = len(_VOWELS.findall(w))
    return max(1, n)


def statistics(text: str) -> dict[str, float]:
    words = _WORD.findall(text)
    nwords = len(words)
    if nwords == 0:
        return {}
    sents = max(1, len(split_sentences(text)))
    syl = [syllables(w) for w in words]
    poly = sum(1 for s in syl if s >= 3)
    complex_words = sum(
        1
        for w, s in zip(words, syl, strict=True)
        if s >= 3 and not w[:1].isupper() and "-" not in w
    )
    return {
        "words": float(nwords),
        "sentences": float(sents),
        "syllables": float(sum(syl)),
        "characters": float(sum(len(regex.sub(r"[^\p{L}\p{N}]", "", w)) for w in words)),
        "polysyllabic_words": float(poly),
        "complex_words": float(complex_words),
        "long_words": float(sum(1 for w in words if len(w) > 6)),
        "paragraphs": float(max(0, text.count("\n\n"))),
    }


def readability_grades(st: Mapping[str, float]) -> dict[str, float]:
    w, s = st["words"], st["sentences"]
    return {
        "Flesch-Kincaid": 0.39 * (w / s) + 11.8 * (st["syllables"] / w) - 15.59,
        "Gunning Fog": 0.4 * ((w / s) + 100 * (st["complex_words"] / w)),
        "Coleman-Liau": 0.0588 * (st["characters"] / w * 100) - 0.296 * (s / w * 100) - 15.8,
        "SMOG": 1.0430 * math.sqrt(st["polysyllabic_words"] * 30 / s) + 3.1291,
        "Automated Readability": 4.71 * (st["characters"] / w) + 0.5 * (w / s) - 21.43,
        "Flesch Reading Ease": 206.835 - 1.015 * (w / s) - 84.6 * (st["syllables"] / w),
    }


_BIN: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_CMP: dict[type, Callable[[Any, Any], Any]] = {
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_MATH: dict[str, Any] = {
    "sqrt": math.sqrt,
    "log": math.log,
    "log10": math.log10,
    "abs": abs,
    "pow": math.pow,
    "floor": math.floor,
    "ceil": math.ceil,
    "round": round,
    "min": min,
    "max": max,
}


def compile_formula(expr: str) -> ast.Expression:
    expr = regex.sub(r"heading\.(h[1-6])", r"heading_\1", expr.strip())
    expr = regex.sub(r"\b(table|text)\.(\w+)", r"\1_\2", expr)
    expr = expr.replace("&&", " and ").replace("||", " or ")
    tree = ast.parse(expr, mode="eval")
    for node in ast.walk(tree):
        ok = isinstance(
            node,
            ast.Expression
            | ast.BinOp
            | ast.UnaryOp
            | ast.Constant
            | ast.Name
            | ast.Load
            | ast.Call
            | ast.Attribute
            | ast.Compare
            | ast.BoolOp
            | ast.And
            | ast.Or
            | ast.USub
            | ast.UAdd
            | ast.operator
            | ast.cmpop,
        )
        if not ok:
            raise ValueError(f"unsupported syntax {type(node).__name__}")
        if isinstance(node, ast.Attribute) and not (
            isinstance(node.value, ast.Name) and node.value.id == "math" and node.attr in _MATH
        ):
            raise ValueError(f"unknown function {ast.unparse(node)}")
    return tree


def evaluate(node: ast.AST, env: Mapping[str, float]) -> Any:
    if isinstance(node, ast.Expression):
        return evaluate(node.body, env)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return env.get(node.id, 0.0)
    if isinstance(node, ast.BinOp):
        left, right = evaluate(node.left, env), evaluate(node.right, env)
        if isinstance(node.op, ast.Div) and right == 0:
            return math.inf if left else 0.0
        return _BIN[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp):
        v = evaluate(node.operand, env)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.Compare):
        left = evaluate(node.left, env)
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = evaluate(comp, env)
            if not _CMP[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.BoolOp):
        vals = [evaluate(v, env) for v in node.values]
        return all(vals) if isinstance(node.op, ast.And) else any(vals)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return _MATH[node.func.attr](*(evaluate(a, env) for a in node.args))
    raise ValueError(f"cannot evaluate {ast.dump(node)}")


class Metric(BaseRule):
    extends = "metric"
    keys = frozenset({"formula", "condition"})
    default_scope = ("summary",)
    default_category = "readability"

    def __init__(self, name: str, data: Mapping[str, Any], *, source: str = "") -> None:
        super().__init__(name, data, source=source)
        f = self.fields
        self.formula = f.text("formula")
        self.condition = f.text("condition")
        if not self.formula.strip():
            raise f.error("formula", "a metric rule needs a 'formula'")
        if not regex.match(r"^\s*(?:>=|<=|==|!=|>|<)\s*-?[\d.]+\s*$", self.condition):
            raise f.error(
                "condition", f"expected a comparison such as '> 8', got {self.condition!r}"
            )
        try:
            self._tree = compile_formula(self.formula)
        except (SyntaxError, ValueError) as exc:
            raise f.error("formula", f"cannot parse {self.formula.strip()!r}: {exc}") from None
        self._cond = compile_formula("x " + self.condition)
        self.scope = type(self.scope)(["summary"])

    def run(self, block: ScopedBlock, state: FileState) -> list[Match]:
        st = statistics(block.text)
        if not st:
            return []
        env: dict[str, float] = {**state.metrics, **st}
        for k in ("pre", "list", "blockquote", *(f"heading_h{i}" for i in range(1, 7))):
            env.setdefault(k, 0.0)
        try:
            value = float(evaluate(self._tree, env))
        except (ZeroDivisionError, ValueError, OverflowError):
            return []
        if evaluate(self._cond, {"x": value}):
            return [Match(0, 0, "", format_message(self.message, f"{value:.2f}"), (), True)]
        return []


class Readability(BaseRule):
    extends = "readability"
    keys = frozenset({"metrics", "grade"})
    default_scope = ("summary",)
    default_category = "readability"

    def __init__(self, name: str, data: Mapping[str, Any], *, source: str = "") -> None:
        super().__init__(name, data, source=source)
        f = self.fields
        self.metrics = f.strings("metrics")
        known = set(
            readability_grades(
                {
                    "words": 1,
                    "sentences": 1,
                    "syllables": 1,
                    "complex_words": 0,
                    "characters": 1,
                    "polysyllabic_words": 0,
                }
            )
        )
        for m in self.metrics:
            if m not in known:
                raise f.error("metrics", f"unknown metric {m!r} (known: {sorted(known)})")
        if not self.metrics:
            raise f.error("metrics", "a readability rule needs at least one metric")
        self.grade = float(f.text("grade", "8") or 8)
        self.scope = type(self.scope)(["summary"])

    def run(self, block: ScopedBlock, state: FileState) -> list[Match]:
        st = statistics(block.text)
        if not st:
            return []
        grades = readability_grades(st)
        value = sum(grades[m] for m in self.metrics) / len(self.metrics)
        if value > self.grade:
            return [Match(0, 0, "", format_message(self.message, f"{value:.2f}"), (), True)]
        return []
