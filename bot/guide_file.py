"""Changes to the brand guide file that the brand owner accepted in Slack.

``apply_change(path, kind, term)`` edits the YAML *as written* (ruamel.yaml's round trip keeps
comments, order and quoting), and only replaces the file when the result is a valid guide:

1. the file is read fresh (never a cached copy) and its SHA-256 noted;
2. the change is made on the round-trip document and written to a temporary file next to the
   guide (same folder, so relative ``styles`` / ``vocabularies`` paths resolve the same);
3. ``analyzers.load_guide`` validates the temporary file; a problem leaves the guide untouched;
4. the original bytes are kept as ``<guide>.<UTC time>.bak``;
5. if the file changed on disk meanwhile, nothing is replaced (:class:`GuideEditError`);
6. ``os.replace`` swaps the new file in atomically.

Two kinds of change: ``accept_term`` adds the words to the guide's ``accepted`` list (exceptions
to its word rules, known to its spelling); ``lower_severity`` moves the entry that defines the
term (``banned``, ``claims``, ``preferred`` variants, ``competitors``) one level down.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from analyzers import GuideError, load_guide

KINDS = ("accept_term", "lower_severity")
_LOWER = {"error": "warning", "warning": "suggestion"}
_DEFAULT_SEVERITY = {"banned": "error", "claims": "warning", "preferred": "warning"}
_DEFAULT_SEVERITY["competitors"] = "error"
MAX_GUIDE_BYTES = 2 * 1024 * 1024  # as bot.guide_reload: a bigger file is refused unread
MAX_TERM = 100


class GuideEditError(RuntimeError):
    """The change could not be made; the message says why (the guide file is unchanged)."""


@dataclass(frozen=True)
class GuideEdit:
    path: Path
    backup: Path
    before_sha256: str
    after_sha256: str
    summary: str


def _yaml() -> YAML:
    y = YAML()  # round trip
    y.preserve_quotes = True
    y.width = 100
    y.indent(mapping=2, sequence=4, offset=2)
    # keep `key: null` as written (ruamel would write an empty value: the same YAML, less clear)
    y.representer.add_representer(
        type(None), lambda r, _d: r.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    return y


def _entry_terms(section: str, entry: Any) -> list[str]:
    if isinstance(entry, str):
        return [entry]
    if not isinstance(entry, dict):
        return []
    if section == "preferred":
        variants = entry.get("variants") or []
        return [str(v) for v in variants] if isinstance(variants, list) else []
    if section == "competitors":
        names = [entry.get("name"), *(entry.get("aliases") or []), *(entry.get("tickers") or [])]
        return [str(n) for n in names if n]
    return [str(entry.get("term") or "")]


def find_entry(doc: Any, term: str) -> tuple[str, int, Any] | None:
    """(section, index, entry) of the guide entry whose words are ``term`` (any case), if
    one is written plainly (regex entries are left alone)."""
    wanted = " ".join(term.split()).lower()
    if not isinstance(doc, dict):
        return None
    for section in ("banned", "claims", "preferred", "competitors"):
        items = doc.get(section)
        if not isinstance(items, list):
            continue
        for i, entry in enumerate(items):
            if isinstance(entry, dict) and entry.get("regex"):
                continue
            if any(" ".join(t.split()).lower() == wanted for t in _entry_terms(section, entry)):
                return section, i, entry
    return None


def suggestion_kind(path: Path, term: str) -> str:
    """``lower_severity`` when a plain guide entry defines ``term`` above the lowest level,
    else ``accept_term``."""
    found = _entry_level(path, term)
    return "lower_severity" if found is not None and found[1] in _LOWER else "accept_term"


def _entry_level(path: Path, term: str) -> tuple[str, str] | None:
    """(section, severity) of the guide entry that defines ``term``; None when the file cannot
    be read or no entry defines it."""
    try:
        doc = _yaml().load(path.read_text(encoding="utf-8"))
    except Exception:
        return None
    found = find_entry(doc, term)
    if found is None:
        return None
    section, _, entry = found
    return section, _severity_of(section, entry)


def _severity_of(section: str, entry: Any) -> str:
    if isinstance(entry, dict) and entry.get("severity"):
        return str(entry["severity"])
    return _DEFAULT_SEVERITY[section]


def describe_entry(path: Path, term: str) -> str:
    """ "banned, error -> warning" for the suggestion message ("" when nothing is found)."""
    found = _entry_level(path, term)
    if found is None:
        return ""
    section, level = found
    return f"{section}, {level} → {_LOWER.get(level, level)}"


def _change(doc: Any, kind: str, term: str) -> str:
    if not isinstance(doc, CommentedMap):
        raise GuideEditError("the guide file is not a mapping of guide keys")
    if kind == "accept_term":
        accepted = doc.get("accepted")
        if accepted is None:
            accepted = CommentedSeq()
            doc["accepted"] = accepted
            with contextlib.suppress(Exception):
                doc.yaml_set_comment_before_after_key(
                    "accepted", before="\nWords the team accepted (brandbot, from their votes)."
                )
        if not isinstance(accepted, list):
            raise GuideEditError("the guide's `accepted` key is not a list")
        if any(str(a).lower() == term.lower() for a in accepted):
            raise GuideEditError(f"“{term}” is already in the guide's accepted words")
        accepted.append(term)
        return f"added “{term}” to the accepted words"
    found = find_entry(doc, term)
    if found is None:
        raise GuideEditError(f"no plain guide entry defines “{term}” any more")
    section, _, entry = found
    level = _severity_of(section, entry)
    if level not in _LOWER:
        raise GuideEditError(f"“{term}” is already at the lowest severity ({level})")
    if not isinstance(entry, dict):
        # a bare string entry ("- cheap") becomes a mapping to carry its severity
        items = doc[section]
        index = found[1]
        key = "name" if section == "competitors" else "term"
        entry = CommentedMap([(key, items[index])])
        items[index] = entry
    entry["severity"] = _LOWER[level]
    return f"lowered “{term}” in {section} from {level} to {_LOWER[level]}"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def apply_change(path: Path, kind: str, term: str) -> GuideEdit:
    """Make the change (see the module docstring); raises :class:`GuideEditError`."""
    if kind not in KINDS:
        raise GuideEditError(f"unknown change {kind!r}")
    term = " ".join(term.split())
    if not term or len(term) > MAX_TERM:
        raise GuideEditError("the words to change must be 1 to 100 characters")
    path = Path(path)
    try:
        if path.stat().st_size > MAX_GUIDE_BYTES:
            raise GuideEditError(
                f"the guide {path} is larger than {MAX_GUIDE_BYTES // 1024} kB; fix the file first"
            )
        before = path.read_bytes()
    except OSError as exc:
        raise GuideEditError(f"cannot read the guide {path}: {exc.strerror or exc}") from None
    y = _yaml()
    try:
        doc = y.load(before.decode("utf-8"))
    except Exception as exc:
        raise GuideEditError(f"the guide {path} cannot be read as YAML: {exc}") from None
    summary = _change(doc, kind, term)
    buf = io.StringIO()
    y.dump(doc, buf)
    new = buf.getvalue().encode("utf-8")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(new)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, path.stat().st_mode & 0o777)
        try:
            load_guide(tmp)
        except GuideError as exc:
            raise GuideEditError(f"the changed guide would not be valid: {exc}") from None
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        backup = path.with_name(f"{path.name}.{stamp}.bak")
        backup.write_bytes(before)
        if path.read_bytes() != before:
            raise GuideEditError("the guide file changed on disk meanwhile; try again")
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return GuideEdit(path, backup, _sha(before), _sha(new), summary)
