"""Hunspell dictionaries read the way Vale reads them (``internal/spell`` in vale-cli/vale).

Vale does not run Hunspell: it expands each ``.dic`` entry through its ``.aff`` prefix / suffix
classes (cross products and up to two continuation steps) into a set of words, and a word is
spelled correctly when it, or its lower-case form, is in that set, is a number / hex / hash,
matches a ``COMPOUNDRULE``, splits into dictionary words (affix-flag compounding), or splits on a
``BREAK`` pattern into correct words. This module does the same, so ``brandbot vale`` flags the
words Vale flags. ``ICONV`` pairs convert a word before it is checked.

``Checker`` holds several dictionaries (a word is correct when any of them knows it) plus plain
word lists (``ignore`` files). ``default_dictionary`` finds an installed en_US dictionary:
``$BRANDBOT_DICTIONARY`` (a ``.dic`` path), then ``$DICPATH``, then the distribution's
``/usr/share/hunspell`` (Debian's ``hunspell-en-us``, installed by ``scripts/setup``).
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

_MAX_AFFIX_DEPTH = 2
_MAX_BREAK_DEPTH = 10
SYSTEM_DIRS = ("/usr/share/hunspell", "/usr/share/myspell", "/usr/share/myspell/dicts")


class DictionaryError(ValueError):
    """A dictionary is missing or unreadable; the message names the file."""


@dataclass(frozen=True)
class _AffixRule:
    strip: str
    text: str
    cont: str
    matcher: re.Pattern[str] | None


@dataclass
class _Affix:
    prefix: bool
    cross: bool
    rules: list[_AffixRule] = field(default_factory=list)

    def forms(self, word: str) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for r in self.rules:
            if r.matcher is not None and not r.matcher.search(word):
                continue
            if self.prefix:
                out.append((r.text + word, r.cont))
            else:
                stem = word[: -len(r.strip)] if r.strip and word.endswith(r.strip) else word
                out.append((stem + r.text, r.cont))
        return out


@dataclass
class _Aff:
    flag: str = "ASCII"
    iconv: list[tuple[str, str]] = field(default_factory=list)
    compound_rules: list[str] = field(default_factory=list)
    compound_map: dict[str, list[str]] = field(default_factory=dict)
    compound_only: str = ""
    compound_flags: bool = False
    compound_min: int = 3
    breaks: list[str] = field(default_factory=list)
    affixes: dict[str, _Affix] = field(default_factory=dict)

    def parse_flags(self, flags: str) -> list[str]:
        if self.flag == "num":
            return flags.split(",")
        if self.flag == "long":
            return [flags[i : i + 2] for i in range(0, len(flags) - 1, 2)]
        return list(flags)

    def expand(self, entry: str, depth: int = 0) -> list[str]:
        idx = entry.find("/")
        if idx == -1:
            return [entry]
        if idx == 0 or idx + 1 == len(entry):
            return []
        word, flags = entry[:idx], self.parse_flags(entry[idx + 1 :])
        only = False
        for key in flags:
            if key == self.compound_only:
                only = True
            elif key in self.compound_map:
                self.compound_map[key].append(word)
        if only:
            return []
        out = [word]
        prefixes: list[_Affix] = []
        suffixes: list[_Affix] = []
        for key in flags:
            af = self.affixes.get(key)
            if af is None:
                continue
            if not af.cross:
                self._append(af.forms(word), out, depth)
            elif af.prefix:
                prefixes.append(af)
            else:
                suffixes.append(af)
        for suf in suffixes:
            self._append(suf.forms(word), out, depth)
        for pre in prefixes:
            pwords = pre.forms(word)
            self._append(pwords, out, depth)
            for suf in suffixes:
                for w, _ in pwords:
                    self._append(suf.forms(w), out, depth)
        return out

    def _append(self, forms: list[tuple[str, str]], out: list[str], depth: int) -> None:
        for word, cont in forms:
            out.append(word)
            if cont and depth < _MAX_AFFIX_DEPTH:
                out.extend(w for w in self.expand(f"{word}/{cont}", depth + 1) if w != word)


def _read_aff(text: str) -> _Aff:
    aff = _Aff()
    saw_break_count = False
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        key = parts[0]
        if key == "ICONV" and len(parts) >= 3:
            aff.iconv.append((parts[1], parts[2]))
        elif key == "COMPOUNDMIN" and len(parts) >= 2 and parts[1].isdigit():
            val = int(parts[1])
            aff.compound_min = val if 1 <= val <= 100 else 3
        elif key == "ONLYINCOMPOUND" and len(parts) >= 2:
            aff.compound_only = parts[1]
        elif key == "COMPOUNDRULE" and len(parts) >= 2:
            if not parts[1].isdigit():
                aff.compound_rules.append(parts[1])
                for flag in aff.parse_flags(parts[1]):
                    aff.compound_map.setdefault(flag, [])
        elif key in ("COMPOUNDFLAG", "COMPOUNDBEGIN", "COMPOUNDMIDDLE", "COMPOUNDEND"):
            aff.compound_flags = aff.compound_flags or len(parts) >= 2
        elif key == "BREAK" and len(parts) >= 2:
            if not saw_break_count and parts[1].isdigit():
                saw_break_count = True
            elif len(aff.breaks) < 64:
                aff.breaks.append(parts[1])
        elif key == "FLAG" and len(parts) >= 2:
            aff.flag = parts[1]
        elif key in ("PFX", "SFX") and len(parts) >= 4:
            header = len(parts) == 4 and parts[2] in ("Y", "N") and parts[3].isdigit()
            if header:
                aff.affixes[parts[1]] = _Affix(prefix=key == "PFX", cross=parts[2] == "Y")
                continue
            af = aff.affixes.get(parts[1])
            if af is None:
                raise DictionaryError(f"rules for affix flag {parts[1]!r} but no definition")
            cond = parts[4] if len(parts) > 4 else "."
            matcher = None
            if cond != ".":
                try:
                    matcher = re.compile("^" + cond if af.prefix else cond + "$")
                except re.error:
                    raise DictionaryError(f"bad affix condition {cond!r}") from None
            text, _, cont = parts[3].partition("/")
            strip = "" if parts[2] == "0" else parts[2]
            af.rules.append(_AffixRule(strip, "" if text == "0" else text, cont, matcher))
    return aff


_NUMBER = re.compile(r"^[-+]?\d+(?:[.,]\d+)*$")
_HEX = re.compile(r"^0[xX][0-9a-fA-F]+$")
_BINARY = re.compile(r"^0[bB][01]+$")
_HASH = re.compile(r"^[0-9a-f]{7,40}$")
_UNITS = re.compile(r"^\d+(?:\.\d+)?([a-zA-Z]+)$")


class Dictionary:
    """One ``.aff`` / ``.dic`` pair expanded into its word set."""

    def __init__(self, aff_text: str, dic_text: str) -> None:
        aff = _read_aff(aff_text)
        self.iconv = aff.iconv
        self.words: set[str] = set()
        lines = dic_text.splitlines()[1:]
        for line in lines:
            fields = line.split()
            if fields:
                self.words.update(aff.expand(fields[0]))
        self.compounds: list[re.Pattern[str]] = []
        for rule in aff.compound_rules:
            pattern = "^"
            for key in aff.parse_flags(rule):
                if key in ("(", ")", "+", "?", "*"):
                    # Vale quotes these (regexp.QuoteMeta), so they stand for themselves
                    pattern += re.escape(key)
                    continue
                pattern += "(" + "|".join(re.escape(w) for w in aff.compound_map.get(key, [])) + ")"
            try:
                self.compounds.append(re.compile(pattern + "$"))
            except re.error:
                raise DictionaryError(f"bad COMPOUNDRULE {rule!r}") from None
        self.can_compound = aff.compound_flags
        self.compound_min = max(3, aff.compound_min)
        self.breaks = aff.breaks

    @classmethod
    def from_files(cls, aff: Path, dic: Path) -> Dictionary:
        return _load(str(aff), str(dic), _mtime(aff), _mtime(dic))

    def convert(self, word: str) -> str:
        for old, new in self.iconv:
            word = word.replace(old, new)
        return word

    def spell(self, word: str, depth: int = 0) -> bool:
        if word in self.words or word.lower() in self.words:
            return True
        if _NUMBER.match(word) or _HEX.match(word) or _BINARY.match(word) or _HASH.match(word):
            return True
        if any(p.match(word) for p in self.compounds):
            return True
        if self.can_compound and len(word) <= 100 and self._compound(word, 0):
            return True
        units = _UNITS.match(word)
        if units and units.group(1) in self.words:
            return True
        return self._breaks(word, depth)

    def _in(self, word: str) -> bool:
        return (
            word in self.words
            or word.lower() in self.words
            or (word[:1].upper() + word[1:]) in self.words
        )

    def _compound(self, word: str, depth: int) -> bool:
        if depth > 4:
            return False
        n, lo = len(word), self.compound_min
        for i in range(lo, n - lo + 1):
            if self._in(word[:i]) and (self._in(word[i:]) or self._compound(word[i:], depth + 1)):
                return True
        return False

    def _breaks(self, word: str, depth: int) -> bool:
        if depth >= _MAX_BREAK_DEPTH:
            return False
        for raw in self.breaks:
            at_start = len(raw) > 1 and raw.startswith("^")
            pat = raw[1:] if at_start else raw
            at_end = len(pat) > 1 and pat.endswith("$")
            pat = pat[:-1] if at_end else pat
            if not pat:
                continue
            n = len(pat)
            if at_start:
                if len(word) > n and word.startswith(pat) and self.spell(word[n:], depth + 1):
                    return True
            elif at_end:
                if len(word) > n and word.endswith(pat) and self.spell(word[:-n], depth + 1):
                    return True
            else:
                i = word.find(pat, 1)
                while i > 0 and i + n < len(word):
                    if self.spell(word[:i], depth + 1) and self.spell(word[i + n :], depth + 1):
                        return True
                    i = word.find(pat, i + 1)
        return False


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        raise DictionaryError(f"{path}: dictionary file not found") from None


@lru_cache(maxsize=16)
def _load(aff: str, dic: str, _aff_mtime: float, _dic_mtime: float) -> Dictionary:
    try:
        aff_text = _read_text(Path(aff))
        dic_text = _read_text(Path(dic))
    except OSError as exc:
        raise DictionaryError(f"cannot read dictionary: {exc}") from None
    try:
        return Dictionary(aff_text, dic_text)
    except DictionaryError as exc:
        raise DictionaryError(f"{aff}: {exc}") from None


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    head = raw[:4096].decode("latin-1")
    m = re.search(r"^SET\s+(\S+)", head, re.MULTILINE)
    enc = m.group(1) if m else "utf-8"
    try:
        return raw.decode(enc)
    except (LookupError, UnicodeDecodeError):
        return raw.decode("utf-8", errors="replace")


def find_dictionary(name: str, roots: Sequence[Path]) -> tuple[Path, Path] | None:
    """``name.aff`` / ``name.dic`` in the first root that has both."""
    for root in roots:
        dic, aff = root / f"{name}.dic", root / f"{name}.aff"
        if dic.is_file() and aff.is_file():
            return aff, dic
    return None


def dictionary_roots() -> list[Path]:
    """Where dictionaries named by the guide are looked up: ``$DICPATH``, then the system's."""
    roots = [Path(p) for p in os.environ.get("DICPATH", "").split(os.pathsep) if p]
    return [*roots, *(Path(d) for d in SYSTEM_DIRS)]


def default_dictionary() -> tuple[Path, Path]:
    """The en_US dictionary brandbot spell-checks with when a rule names none."""
    env = os.environ.get("BRANDBOT_DICTIONARY")
    if env:
        dic = Path(env)
        aff = dic.with_suffix(".aff")
        if not (dic.is_file() and aff.is_file()):
            raise DictionaryError(f"BRANDBOT_DICTIONARY={env}: needs {dic} and {aff}")
        return aff, dic
    found = find_dictionary("en_US", dictionary_roots())
    if found is None:
        raise DictionaryError(
            "no en_US Hunspell dictionary found: install the distribution's package "
            "(Debian/Ubuntu: apt-get install hunspell-en-us), set DICPATH to a folder holding "
            "en_US.aff/en_US.dic, or name dictionaries in the rule (dicpath / dictionaries)"
        )
    return found


def _capitalised_same(candidate: str, low: str) -> bool:
    """``Paris`` for ``paris``: the same word with only its first letter a capital."""
    return candidate.lower() == low and candidate == low[:1].upper() + low[1:]


class Checker:
    """Several dictionaries and word lists; a word is correct when any of them knows it."""

    def __init__(self, dictionaries: Iterable[Dictionary] = ()) -> None:
        self.dictionaries = list(dictionaries)
        self.extra: set[str] = set()

    def add_words(self, words: Iterable[str]) -> None:
        self.extra.update(w.strip() for w in words if w.strip() and w.strip() != "#")

    def add_word_file(self, path: Path) -> None:
        try:
            self.add_words(path.read_text(encoding="utf-8").splitlines())
        except (OSError, UnicodeDecodeError) as exc:
            raise DictionaryError(f"{path}: cannot read word list: {exc}") from None

    def convert(self, word: str) -> str:
        for d in self.dictionaries:
            word = d.convert(word)
        return word

    def spell(self, word: str) -> bool:
        if word in self.extra or word.lower() in self.extra:
            return True
        return any(d.spell(word) for d in self.dictionaries)

    def suggest(self, word: str, n: int = 3) -> list[str]:
        """Close dictionary words (same first letter, similar length), best first."""
        low = word.lower()
        pool = {
            w
            for d in self.dictionaries
            for w in d.words
            if w[:1].lower() == low[:1] and abs(len(w) - len(word)) <= 2 and "'" not in w
        } | {w for w in self.extra if w[:1].lower() == low[:1] and "'" not in w}
        by_lower: dict[str, str] = {}
        for w in sorted(pool, key=lambda w: (w.lower(), w != w.lower())):  # lower-case first
            by_lower.setdefault(w.lower(), w)
        if word == low:
            # a lower-case word ("tbh", "teh") is an ordinary word or chat shorthand: acronyms
            # and abbreviations ("TB", "Th") are noise; a proper noun only when it is the same
            # word capitalised ("paris" -> "Paris"),
            # and one- or two-letter entries ("tb", "br") are abbreviations, not corrections
            by_lower = {
                k: w
                for k, w in by_lower.items()
                if len(k) > 2 and (w == k or _capitalised_same(w, low))
            }
        close = difflib.get_close_matches(low, sorted(by_lower), n=n, cutoff=0.75)
        hits = [by_lower[h] for h in close]
        if word[:1].isupper():
            hits = [h[:1].upper() + h[1:] for h in hits]
        return list(dict.fromkeys(hits))
