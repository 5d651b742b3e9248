"""``extends: spelling`` — words that no Hunspell dictionary knows (Vale's ``spelling`` check).

As in Vale (``internal/check/spelling.go``): a block is split into words by Vale's word
tokenizer; a word is skipped by the default filters (camelCase, trailing capitals, anything but
letters / ``_`` / ``'``) unless ``custom: true``, by each regex in ``filters``, by the accepted
vocabulary (whole words, case-insensitive) and by accepted multi-word phrases; what is left is
flagged when no dictionary knows it.

Dictionaries: ``aff`` + ``dic`` paths; else ``dictionaries`` (names looked up in ``dicpath`` or
``StylesPath/config/dictionaries``, then ``$DICPATH``), plus the default en_US one when none is
named or ``append: true``. ``Vale.Spelling`` uses the default plus every dictionary in
``StylesPath/config/dictionaries`` and the word lists in ``StylesPath/config/ignore``; other
rules read the word lists named by ``ignore``. Paths resolve once the linter calls
``configure``; the dictionaries load on first use (and are cached per file).
"""

from __future__ import annotations

import logging
import os
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import regex

from analyzers.distance import osa_distance
from analyzers.hunspell import (
    Checker,
    Dictionary,
    DictionaryError,
    default_dictionary,
    dictionary_roots,
    find_dictionary,
)
from analyzers.rules.base import (
    BaseRule,
    FileState,
    Match,
    RuleError,
    ScopedBlock,
    compile_pattern,
    format_message,
    go_pattern,
    phrase_pattern,
)

log = logging.getLogger(__name__)

DICT_DIR = Path("config") / "dictionaries"
IGNORE_DIR = Path("config") / "ignore"

# Vale's IterTokenizer (internal/nlp): whitespace runs, then leading / trailing punctuation off
_PREFIXES = ("$", "(", '"', "[", "'")
_SUFFIXES = (",", ")", '"', "]", "!", ";", ".", "?", ":", "'")
MAX_SUGGESTED_WORDS = 25  # distinct misspelled words of a block that get suggestions
_PREFIX_CHARS = "".join(_PREFIXES)
_SUFFIX_CHARS = "".join(_SUFFIXES)
_POSSESSIVES = ("'s", "\u2019s")
_SPECIAL = regex.compile(r"(?:[A-Za-z]\.){2,}$|^[A-Z][a-z]{1,3}\.$")
_SANITIZE = {"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"}


def _sanitize(text: str) -> str:
    for old, new in _SANITIZE.items():
        text = text.replace(old, new)
    return text.replace("&rsquo;", "'")


def _has_letter(token: str) -> bool:
    return any(unicodedata.category(c).startswith("L") for c in token)


def _split(token: str) -> list[str]:
    """Vale's loop (check the special forms, else drop one leading prefix or one trailing suffix
    character, until nothing changes) in linear time: Vale's one-character-a-step loop is
    quadratic, and a run of 35,000 "!" took 19 s.

    Equivalent because a prefix character is never a letter or ".": dropping prefixes cannot
    change the end-anchored special form and the start-anchored one needs a capital first; and
    of the suffix-stripped forms only ``core + "."`` can end in the letter-and-dot a special
    form needs."""
    if _SPECIAL.search(token):
        return [token] if _has_letter(token) else []
    token = token.lstrip(_PREFIX_CHARS)
    if _SPECIAL.search(token):
        return [token] if _has_letter(token) else []
    core = token.rstrip(_SUFFIX_CHARS)
    if len(core) < len(token) and token[len(core)] == "." and _SPECIAL.search(core + "."):
        return [core + "."] if _has_letter(core) else []
    return [core] if core and _has_letter(core) else []


_WARNED: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _WARNED:
        _WARNED.add(message)
        log.warning(message)


def words_with_offsets(text: str) -> list[tuple[str, int]]:
    """Vale's ``WordTokenizer.TokenizeWithOffsets``: each word and its offset in ``text``."""
    out: list[tuple[str, int]] = []
    for run in regex.finditer(r"\S+", text):
        span = run.group()
        clean = _sanitize(span)
        for tok in _split(clean):
            # curly quotes sanitize to straight ones of the same length: find the word there
            at = span.find(tok)
            at = at if at >= 0 else clean.find(tok)
            if at >= 0:
                out.append((tok, run.start() + at))
    return out


def _camel(word: str) -> bool:
    return regex.search(r"[A-Z][a-z]+[A-Z]+\w+", word) is not None


def _near(a: str, b: str) -> bool:
    """At most 2 edits (swaps count as one) between two lower-case words of 4+ letters."""
    if min(len(a), len(b)) < 4 or abs(len(a) - len(b)) > 2:
        return False
    return osa_distance(a, b) <= 2


_NEXT_NAME = regex.compile(r"[ \t]+\p{Lu}[\p{Ll}\p{M}'’-]+")


def skipped_by_default(word: str) -> bool:
    """Vale's default filters: not only letters / ``_`` / ``'``, trailing capital, camelCase."""
    if any(not (unicodedata.category(c).startswith("L") or c in "_'") for c in word):
        return True
    return (word[-1:].isupper()) or _camel(word)


class Spelling(BaseRule):
    extends = "spelling"
    keys = frozenset(
        {
            "dictionaries",
            "dicpath",
            "filters",
            "ignore",
            "custom",
            "append",
            "threshold",
            "ignorecase",
            "exceptions",
            "aff",
            "dic",
        }
    )

    def __init__(self, name: str, data: Mapping[str, Any], *, source: str = "") -> None:
        super().__init__(name, data, source=source)
        f = self.fields
        self.skip_proper_nouns = False  # the brand guide's rule only (Vale's keeps Vale's rules)
        self.names: list[str] = []  # the guide's names, whose near misses are always flagged
        # the brand guide's rule only: "maintainer's" is spelled right when "maintainer" is (the
        # en_US dictionary gives many nouns no possessive form; Vale's rules keep Vale's)
        self.possessives = False
        if not self.message:
            self.message = "Did you really mean '%s'?"
        self.filters = [
            compile_pattern(p, source=source, rule=name, key="filters")
            for p in f.strings("filters")
        ]
        self.ignore = f.strings("ignore")
        self.dictionaries = f.strings("dictionaries")
        self.dicpath = f.text("dicpath")
        self.aff = f.text("aff")
        self.dic = f.text("dic")
        self.custom = f.flag("custom")
        self.append = f.flag("append")
        self.exceptions = f.strings("exceptions")
        self._except: regex.Pattern[str] | None = None
        self._phrases: regex.Pattern[str] | None = None
        self._styles: Path | None = None
        self._cwd = Path.cwd()
        self._checker: Checker | None = None
        self._words: list[str] = []
        self.suggest = False  # also offer close dictionary words (the brand review does)
        self.unavailable: str | None = None  # why this rule cannot check (no dictionary)
        self.roots: list[Path] = []  # more folders to find named dictionaries in (the guide's)
        self.accept([])

    # -- configuration --------------------------------------------------------------------
    def configure(self, styles_path: Path | None, cwd: Path | None = None) -> None:
        """Where relative dictionary / ignore paths resolve (Vale's StylesPath and cwd)."""
        self._styles = styles_path
        self._cwd = cwd or Path.cwd()
        self._checker = None

    def add_words(self, words: Sequence[str]) -> None:
        """Words every dictionary of this rule accepts (product names, accepted terms)."""
        self._words.extend(words)
        if self._checker is not None:
            self._checker.add_words(words)

    def accept(self, terms: Sequence[str]) -> None:
        parts = []
        for term in [*self.exceptions, *terms]:
            if not term:
                continue
            if not term.startswith(r"\b") and not term.endswith(r"\b"):
                term = rf"\b{term}\b"
            parts.append(term)
        self._except = None
        if parts:
            try:
                self._except = regex.compile("(?i)" + go_pattern("|".join(parts)))
            except (regex.error, ValueError):
                escaped = [rf"\b{regex.escape(t.strip(chr(92) + 'b'))}\b" for t in parts]
                self._except = regex.compile("(?i)" + "|".join(escaped))
        self._phrases = phrase_pattern(terms, True) if self.vocab else None

    def checker(self) -> Checker:
        """The dictionaries and word lists, loaded on first use; ``RuleError`` if missing."""
        if self._checker is None:
            try:
                self._checker = self._build()
            except DictionaryError as exc:
                raise RuleError(f"{self.source}: rule {self.name}: {exc}") from None
            self._checker.add_words(self._words)
        return self._checker

    def _dict_roots(self) -> list[Path]:
        roots: list[Path] = []
        if self.dicpath:
            for cand in (
                Path(self.dicpath),
                *((self._styles / self.dicpath,) if self._styles else ()),
                self._cwd / self.dicpath,
            ):
                if cand.is_dir():
                    roots.append(cand)
                    break
            else:
                raise DictionaryError(f"unable to resolve dicpath {self.dicpath!r}")
        elif self._styles is not None:
            roots.append(self._styles / DICT_DIR)
        roots.extend(Path(p) for p in os.environ.get("DICPATH", "").split(os.pathsep) if p)
        return [*roots, *self.roots]

    def _asset(self, name: str) -> Path:
        p = Path(name)
        cands: list[Path] = [p]
        if self._styles is not None:
            cands += [self._styles / p, self._styles / DICT_DIR / p]
        return next((c for c in cands if c.is_file()), p)

    def _build(self) -> Checker:
        if self.aff and self.dic:
            aff, dic = self._asset(self.aff), self._asset(self.dic)
            if aff.is_file() and dic.is_file():
                return Checker([Dictionary.from_files(aff, dic)])
        dicts: list[Dictionary] = []
        roots = self._dict_roots()
        for dname in self.dictionaries:
            found = find_dictionary(dname, roots)
            if found is None:
                where = [str(r) for r in roots]
                raise DictionaryError(f"dictionary '{dname}' not found in {where}")
            dicts.append(Dictionary.from_files(*found))
        if not dicts or self.append:
            try:
                default = default_dictionary()
            except DictionaryError as exc:
                # Vale always has its built-in en_US; without an installed one, this rule
                # reports nothing rather than failing every other rule of the run
                self.unavailable = str(exc)
                _warn_once(f"{self.name} reports nothing: {exc}")
                return Checker()
            dicts.append(Dictionary.from_files(*default))
        if self.name == "Vale.Spelling" and self._styles is not None and not self.dictionaries:
            for dic in sorted((self._styles / DICT_DIR).glob("*.dic")):
                if dic.with_suffix(".aff").is_file():
                    dicts.append(Dictionary.from_files(dic.with_suffix(".aff"), dic))
        checker = Checker(dicts)
        if self.name == "Vale.Spelling":
            if self._styles is not None and (self._styles / IGNORE_DIR).is_dir():
                for fp in sorted((self._styles / IGNORE_DIR).rglob("*")):
                    if fp.is_file():
                        checker.add_word_file(fp)
        else:
            for ignore in self.ignore:
                cands = [Path(ignore), self._cwd / ignore]
                if self._styles is not None:
                    cands += [self._styles / ignore, self._styles / IGNORE_DIR / ignore]
                for cand in cands:
                    if cand.is_file():
                        checker.add_word_file(cand)
        return checker

    # -- checking -------------------------------------------------------------------------
    def _proper_noun(self, text: str, word: str, offset: int) -> bool:
        """A name the dictionary cannot know (only for the brand guide's rule): capitalised
        mid-sentence ("Kubernetes", "Mikeal") or with two capitals ("APIs", "iOS"), and not a
        near miss of one of the guide's own names ("Zentriks" for Zentrix is still flagged)."""
        capitals = sum(c.isupper() for c in word)
        if capitals == 0 or (capitals == 1 and not word[0].isupper()):
            return False
        if capitals == 1:
            before = text[:offset].rstrip()
            if (not before or before[-1] in '.!?:;\n"“(') and not self._name_follows(
                text, offset, word
            ):
                return False  # sentence-initial: the capital says nothing ...
        return not self.near_guide_name(word)

    def near_guide_name(self, word: str) -> bool:
        """Whether ``word`` is a near miss of one of the guide's own names ("Zentriks")."""
        low = word.lower()
        return any(_near(low, n) for n in self.names)

    def _name_follows(self, text: str, offset: int, word: str) -> bool:
        """... unless a capitalised word follows it: the first word of a multi-word name
        ("Priya Nair said", "Tessel Coffee Roasters ships"), but not of one of the guide's own
        names ("Teh Northwind app")."""
        found = _NEXT_NAME.match(text, offset + len(word))
        return found is not None and found.group().strip().lower() not in self.names

    def misspelled(
        self, text: str, *, names: bool = True, seen: set[str] | None = None
    ) -> list[tuple[str, int, int]]:
        """``(word, start, end)`` for each word of ``text`` that this rule flags; with
        ``names=False``, also the capitalised words it takes for names (every word the
        dictionary does not know). ``seen``: the names met so far in the draft, updated; a
        name met once is a name everywhere ("Priya Nair said ... Priya added")."""
        seen = set() if seen is None else seen
        checker = self.checker()
        if self.unavailable:
            return []
        if self._phrases is not None:
            text = self._phrases.sub(lambda m: " " * len(m.group()), text)
        out: list[tuple[str, int, int]] = []
        for found, offset in words_with_offsets(text):
            word = checker.convert(found)
            if not self.custom and skipped_by_default(word):
                continue
            if any(f.search(word) for f in self.filters):
                continue
            if checker.spell(word):
                continue
            if self.possessives and word[-2:] in _POSSESSIVES and checker.spell(word[:-2]):
                continue
            if self._except is not None and self._except.search(word):
                continue
            if names and self.skip_proper_nouns and self._proper_noun(text, found, offset):
                seen.add(word)
                continue
            out.append((word, offset, offset + len(found)))
        if names and self.skip_proper_nouns and seen:
            out = [w for w in out if not (w[0] in seen and w[0][:1].isupper())]
        return out

    def run(self, block: ScopedBlock, state: FileState) -> list[Match]:
        out = []
        hints_of: dict[str, tuple[str, ...]] = {}
        known = state.seq(f"{self.name}/names")
        seen = set(known)
        found = self.misspelled(block.text, seen=seen)
        known.extend(sorted(seen.difference(known)))
        for word, start, end in found:
            hints = hints_of.get(word)
            if hints is None:
                # a suggestion costs about 55 ms: a block of garbage (999 long "words") took
                # 50 s; past the cap a word is still flagged, without suggestions
                wanted = self.suggest and len(hints_of) < MAX_SUGGESTED_WORDS
                hints = tuple(self.checker().suggest(word)) if wanted else ()
                hints_of[word] = hints
            out.append(
                Match(start, end, block.text[start:end], format_message(self.message, word), hints)
            )
        return out


# Words of everyday software and business copy that en_US Hunspell lacks: flagging "roadmap" or
# "rollout" in a launch post is noise (an independent pass found "rollout" and "config")
WORKPLACE_WORDS = tuple(
    str.split(
        "addon addons autoscale autoscaling backend backends changelog changelogs checkboxes "
        "codebase "
        "codebases config configs cron crons crontab cybersecurity datacenter datacenters "
        "dev devs devops dogfood dogfooding "
        "dropdown dropdowns edtech failover failovers fintech frontend frontends fullscreen "
        "geolocation healthtech hotfix hotfixes livestream livestreaming livestreams "
        "microservice microservices misconfigure misconfigured misconfiguration "
        "misconfigurations multicloud offboarding onboarding postmortem postmortems "
        "prebuild prebuilds preorder preorders pushback rebrand rebranding repo repos reskill "
        "roadmap roadmaps rollout rollouts runtimes serverless signup signups standup standups "
        "subreddit teardown toolchain toolchains upskill upskilling uptime walkthrough "
        "walkthroughs webhook webhooks "
        # developer-tool copy (a pass over 5,322 sentences of it: npm 27 times, lockfile 18)
        "backfill backfilled backoff backport backported backports benchmarked buildpack "
        "buildpacks checksum checksums codemod codemods cutover cutovers dotfile dotfiles env "
        "etcd gist gists gzip gzipped hostname hostnames lockfile lockfiles lookup lookups "
        "memcached middleware monorepo monorepos natively nightlies npm prefetch prefetching "
        "reindex reindexing relicense relicensed replayable runbook runbooks sandboxed schemas "
        "scrollback snapshotted subcommand subcommands sunsetting theming unpatched untrusted "
        # contractions en_US lacks (it has "it'd", "who'd")
        "there'd there'll there've what'd where'd"
    )
)


def brand_spelling_rule(
    names: Sequence[str],
    accepted: Sequence[str],
    *,
    source: str = "<guide>",
    dictionaries: Sequence[str] = (),
) -> Spelling | None:
    """``Brand.Spelling``: en_US plus ``WORKPLACE_WORDS`` and the guide's names and accepted
    vocabulary.

    Brand / product / competitor names (each word of a multi-word name, in any casing and with
    ``'s``) and preferred terms are dictionary words; the vocabulary's accepted terms are
    exceptions as in Vale. A misspelled product name
    is not in any of them, so it is flagged. ``dictionaries``: the guide's own choice of
    Hunspell dictionaries instead of en_US (``spelling: [en_GB, en_US]``; the guide checked
    they are installed). ``None`` (with a logged warning) when no en_US dictionary is installed
    and the guide names none: the review goes on without spelling.
    """
    if not dictionaries:
        try:
            default_dictionary()
        except DictionaryError as exc:
            log.warning("spelling is off: %s", exc)
            return None
    rule = Spelling(
        "Brand.Spelling",
        {
            "extends": "spelling",
            "message": "'%s' is not in the dictionary or the brand guide; check its spelling.",
            "level": "warning",
        },
        source=source,
    )
    words = {w for n in names for w in regex.findall(r"[\p{L}\p{M}_'’]+", n)}
    # any casing (Brand.Products owns casing) and the possessive are spelled right too
    forms = {f for w in words for f in (w, w.lower(), f"{w}'s", f"{w.lower()}'s")}
    rule.dictionaries = list(dictionaries)
    rule.roots = dictionary_roots()  # where the guide found them
    rule.add_words(sorted(forms | set(WORKPLACE_WORDS)))
    rule.accept(list(accepted))
    rule.suggest = True
    # real copy names other companies' products, people and places: the dictionary cannot
    # know them, and flagging each is noise (48 findings on 3,500 words of realcopy-dev)
    rule.skip_proper_nouns = True
    rule.possessives = True
    rule.names = sorted({w.lower() for w in words if len(w) >= 4})
    return rule
