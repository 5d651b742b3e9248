"""The entry points: :func:`parse_guide` (YAML text) and :func:`load_guide` (a file)."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from types import MappingProxyType
from typing import Any

from analyzers.guide.errors import GuideError
from analyzers.guide.messages import _type_name
from analyzers.guide.model import BrandGuide
from analyzers.guide.nodes import _compose, _Ctx, _Node
from analyzers.guide.parts import _build, _Parts
from analyzers.guide.profiles import _channels, _resolve_profiles
from analyzers.paths import REPO_ROOT

log = logging.getLogger(__name__)


def default_guide_path() -> Path:
    return REPO_ROOT / "examples" / "brand-guide.yaml"


def parse_guide(
    text: str, *, source: str = "<string>", base_dir: str | Path | None = None
) -> BrandGuide:
    """Parse and validate a guide from YAML text; raises :class:`GuideError`.

    Relative ``styles:`` paths start at ``base_dir``, by default the folder of ``source`` when
    it names a file, else the current directory.
    """
    if base_dir is None:
        src = Path(source)
        base_dir = src.parent if source != "<string>" and src.suffix else Path.cwd()
    ctx = _Ctx(source, Path(base_dir).resolve())
    if "\x00" in text:
        ctx.error(None, "the file contains NUL bytes", "Is it a YAML text file?")
        ctx.raise_if_errors()
    root = _compose(ctx, text)
    if root is None:
        ctx.raise_if_errors()
        raise GuideError("the guide could not be read", file=source)  # pragma: no cover
    if not root.is_map:
        ctx.error(
            root,
            f"the guide must be a mapping of keys, got {_type_name(root.value)}",
            "Start with `name: Your Company`.",
        )
        ctx.raise_if_errors()
    top: dict[str, _Node] = root.value
    base_root = _Node(
        {k: v for k, v in top.items() if k not in ("profiles", "channels")}, root.line, ""
    )
    parts = _build(ctx, _Node({**top}, root.line, root.path))
    merged, raw = _resolve_profiles(ctx, base_root, top)
    profile_parts = {name: _build(ctx, node) for name, node in merged.items()}
    declared = top["profiles"].value if "profiles" in top and top["profiles"].is_map else {}
    channels = _channels(ctx, top, declared)
    ctx.raise_if_errors()

    src_path = None if source == "<string>" else Path(source)
    common: dict[str, Any] = {
        "profiles": MappingProxyType(raw),
        "channels": channels,
        "source": src_path,
        "warnings": tuple(ctx.warnings),
    }
    for w in ctx.warnings:
        log.info("brand guide: %s", w)  # optional parts only; kept in guide.warnings
    base = BrandGuide(**_fields(parts), **common)
    resolved: dict[str, BrandGuide] = {"": base}
    for name, pp in profile_parts.items():
        resolved[name] = BrandGuide(**_fields(pp), **common, profile=name)
    frozen = MappingProxyType(resolved)
    for g in resolved.values():
        object.__setattr__(g, "_resolved", frozen)
    return base


def _fields(parts: _Parts) -> dict[str, Any]:
    return {f.name: getattr(parts, f.name) for f in dataclasses.fields(parts)}


def load_guide(path: str | Path) -> BrandGuide:
    """Load and validate a guide file; raises :class:`GuideError` (never half-loads)."""
    p = Path(path)
    shown = str(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise GuideError(
            "file not found",
            file=shown,
            hint=f"Check the path; without a guide setting brandbot uses {default_guide_path()}.",
        ) from None
    except IsADirectoryError:
        raise GuideError(
            "is a folder, not a file", file=shown, hint="Point at the .yaml file."
        ) from None
    except OSError as exc:
        raise GuideError(f"cannot read the file: {exc.strerror}", file=shown) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise GuideError(
            f"not valid UTF-8 at column {column} (byte 0x{data[exc.start]:02x}; "
            "the file looks like Latin-1 or Windows-1252 text)",
            file=shown,
            line=line,
            hint="Save the guide as UTF-8 in your editor, or convert it: "
            f"iconv -f latin1 -t utf-8 {shown} > guide-utf8.yaml",
        ) from None
    return parse_guide(text, source=shown, base_dir=p.resolve().parent)
