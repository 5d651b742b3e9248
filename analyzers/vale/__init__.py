"""``brandbot vale``: a Vale-compatible linter over ``analyzers.rules`` (config, markup, output)."""

from __future__ import annotations

from analyzers.vale.config import Config, ValeError, find_config, load_config, parse_config
from analyzers.vale.linter import FileResult, Linter, ValeAlert

__all__ = [
    "Config",
    "FileResult",
    "Linter",
    "ValeAlert",
    "ValeError",
    "find_config",
    "load_config",
    "parse_config",
]
