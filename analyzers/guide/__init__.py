"""The brand guide: one YAML file -> a validated, typed, frozen :class:`BrandGuide`.

The schema is documented in ``docs/brand-guide.md``; ``examples/brand-guide.yaml`` is a complete
example. Loading is all or nothing: every problem that can be found in one pass is collected, and
if there is any, :class:`GuideError` is raised and nothing is returned. Each error names the file,
the line, the key path and a hint, e.g.::

    brand-guide.yaml:12: voice.formalty: unknown key. Did you mean 'formality'?

The YAML is read with PyYAML's composer (node tree with line marks) rather than ``safe_load`` so
that every value keeps its line, duplicate keys are caught, and profile overrides merged over the
base guide still report the line where they were written.
"""

from __future__ import annotations

from analyzers.guide.errors import GuideError
from analyzers.guide.loader import default_guide_path, load_guide, parse_guide
from analyzers.guide.model import (
    EMOTION_GROUPS,
    BannedTerm,
    BrandGuide,
    Competitor,
    Limits,
    PreferredTerm,
    Product,
    Thresholds,
    ToneTarget,
    Voice,
)

__all__ = [
    "EMOTION_GROUPS",
    "BannedTerm",
    "BrandGuide",
    "Competitor",
    "GuideError",
    "Limits",
    "PreferredTerm",
    "Product",
    "Thresholds",
    "ToneTarget",
    "Voice",
    "default_guide_path",
    "load_guide",
    "parse_guide",
]
