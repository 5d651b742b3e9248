"""Training scripts for the embedded models (see docs/models.md).

Training needs only ``analyzers.models`` and ``analyzers.paths``: when ``analyzers`` is not yet
imported, it is registered as a bare package so that the library facade (``analyzers/__init__``,
which pulls in the reviewer, YAML guides, documents...) does not run on a training machine.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

if "analyzers" not in sys.modules:
    _pkg = types.ModuleType("analyzers")
    _pkg.__path__ = [str(Path(__file__).resolve().parent.parent / "analyzers")]
    sys.modules["analyzers"] = _pkg
