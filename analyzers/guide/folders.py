"""``styles:`` and ``vocabularies:``: paths with ``${VAR}`` expanded, checked to be Vale folders."""

from __future__ import annotations

import os
import re
from pathlib import Path

from analyzers.guide.nodes import _Ctx, _Node
from analyzers.guide.schema import STYLE_KEYS
from analyzers.guide.validators import _entries, _expect_bool, _expect_str, _opt
from analyzers.paths import shared_dir

_ENV_RE = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")


def _expand(text: str) -> tuple[str, list[str]]:
    """Expand ``${VAR}`` / ``${VAR:-default}`` and ``~``; returns the text and unset names.

    ``${BRANDBOT_SHARED}`` falls back to :func:`analyzers.paths.shared_dir` when unset.
    """
    missing: list[str] = []

    def sub(m: re.Match[str]) -> str:
        name, default = m.group(1), m.group(2)
        value = os.environ.get(name)
        if value:
            return value
        if default is not None:
            return default
        if name == "BRANDBOT_SHARED":
            return str(shared_dir())
        missing.append(name)
        return m.group(0)

    return os.path.expanduser(_ENV_RE.sub(sub, text)), missing


def _paths(ctx: _Ctx, node: _Node, *, vocab: bool) -> tuple[Path, ...] | None:
    out: list[Path] = []
    for _item, c in _entries(ctx, node, STYLE_KEYS, "path"):
        raw = _opt(c, "path", lambda n: _expect_str(ctx, n), "")
        optional = _opt(c, "optional", lambda n: _expect_bool(ctx, n), False)
        if not raw:
            continue
        p_node = c["path"]
        expanded, missing = _expand(raw)
        problem: str | None = None
        hint = ""
        resolved: Path | None = None
        if missing:
            problem = f"environment variable {', '.join(missing)} is not set"
            hint = f"Set it, or write ${{{missing[0]}:-fallback}} in the path."
        else:
            path = Path(expanded)
            if not path.is_absolute():
                path = ctx.base_dir / path
            try:
                path = path.resolve()
                resolved, problem, hint = _check_folder(path, vocab=vocab)
            except OSError as exc:  # a name too long, a folder that cannot be read
                # (the error carries the expanded path, which may hold a secret)
                reason = exc.strerror or type(exc).__name__
                problem = f"{path} cannot be read ({reason.lower()})"
                hint = "Check the path."
            if problem is not None and _ENV_RE.search(raw):
                # a variable's value may be a secret (a database URL with its password): the
                # path is shown as written, never expanded
                problem = problem.replace(str(path), f"{raw!r} (variables not shown)")
        if problem is not None:
            if optional:
                ctx.warn(p_node, f"{problem}; skipped (optional)")
            else:
                ctx.error(
                    p_node,
                    problem,
                    f"{hint} Relative paths start at the guide's folder ({ctx.base_dir}); "
                    "add `optional: true` to make a missing folder a warning.",
                )
            continue
        if resolved is not None and resolved not in out:
            out.append(resolved)
    return tuple(out)


def _check_folder(path: Path, *, vocab: bool) -> tuple[Path | None, str | None, str]:
    if not path.exists():
        return None, f"{path} does not exist", "Check the path."
    if not path.is_dir():
        return None, f"{path} is not a folder", "Point at the folder, not a file in it."
    if vocab:
        if (path / "accept.txt").is_file() or (path / "reject.txt").is_file():
            return path, None, ""
        return (
            None,
            f"{path} holds neither accept.txt nor reject.txt",
            "A Vale vocabulary folder holds accept.txt and/or reject.txt.",
        )
    if _has_rules(path):
        return path, None, ""
    nested = path / path.name  # a repository that keeps the style in a same-named subfolder
    if nested.is_dir() and _has_rules(nested):
        return nested, None, ""
    return (
        None,
        f"{path} holds no Vale rules (*.yml)",
        "Point at the style folder itself (the one with the .yml rule files).",
    )


def _has_rules(path: Path) -> bool:
    return any(path.glob("*.yml")) or any(path.glob("*.yaml"))
