"""Word forms for the guide's own terms: "cheap" also finds "cheaper" and "cheapest".

Inflections come from LemmInflect (its English lexicon ships inside the wheel; no download).
Only the brand guide's banned, preferred and claim terms are expanded; Vale styles keep Vale's
exact semantics.

* :func:`word_forms` — a word, its inflections, and (when the word is itself an inflected form,
  "cheapest", "guaranteed") its lemma's inflections. Suppletive forms are left out: a form must
  share the word's first two letters (no "good" for "better", no "go" for "went"). A word that
  is its own lemma in some part of speech is expanded in those parts of speech only ("lighting"
  the noun does not pull in "light" the verb). The last word of a plain phrase, when the lexicon
  does not know it, gets its regular noun plural ("uptime" -> "uptimes"); function words and
  words shorter than 3 letters are left alone.
* :func:`phrase_pattern` — a literal phrase as a regular expression whose words match their forms
  (whitespace between words matches any run of whitespace).
* :func:`inflect_regex` — the same for the literal words inside a user's regular expression
  (``never (?:fails|breaks)`` also finds "never break"); words inside character classes,
  lookarounds, escapes or under a quantifier (``colou?r``) are left as written.
* :func:`variant_forms` — the forms of a preferred term's variant, each with the preferred term
  in the same form ("logged in" -> "signed in"), for the suggestions of preferred terms.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

MIN_LETTERS = 3
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_SPECIAL = set("\\.^$*+?()[]{}|")


def _escape(text: str) -> str:
    return "".join("\\" + ch if ch in _SPECIAL else ch for ch in text)


def _lemminflect() -> Any:
    import lemminflect

    return lemminflect


@lru_cache(maxsize=65536)
def word_forms(word: str, oov: bool = False) -> tuple[str, ...]:
    """``word`` (lower-cased) and its inflections, the word first, then sorted. With ``oov``, a
    word the lexicon does not know gets its regular noun plural."""
    low = word.lower()
    if len(low) < MIN_LETTERS or not _WORD.fullmatch(low):
        return (low,)
    li = _lemminflect()
    lemmas: dict[str, tuple[str, ...]] = li.getAllLemmas(low)
    own = {pos for pos, ls in lemmas.items() if low in ls}
    forms: set[str] = {low}
    for pos, ls in lemmas.items():
        if own and pos not in own:
            continue
        for lemma in ls:
            forms.add(lemma)
            for fs in li.getAllInflections(lemma, upos=pos).values():
                forms.update(fs)
    if not lemmas and oov:
        for fs in li.getAllInflectionsOOV(low, upos="NOUN").values():
            forms.update(fs)
    kept = {f.lower() for f in forms if f.lower()[:2] == low[:2]}
    kept.discard(low)
    return (low, *sorted(kept))


def _alternation(forms: tuple[str, ...]) -> str:
    if len(forms) == 1:
        return _escape(forms[0])
    return "(?:" + "|".join(_escape(f) for f in sorted(forms, key=len, reverse=True)) + ")"


def phrase_pattern(phrase: str) -> str:
    """A literal phrase as a pattern whose words also match their inflections."""
    words = phrase.split()
    last = len(words) - 1
    return r"\s+".join(_word_pattern(w, i == last) for i, w in enumerate(words))


def _word_pattern(token: str, oov: bool = False) -> str:
    """One whitespace-free token: an alphabetic word is inflected, anything else is literal."""
    m = _WORD.fullmatch(token)
    return _alternation(word_forms(token, oov)) if m else _escape(token)


def phrase_forms(phrase: str, limit: int = 64) -> list[str]:
    """Every combination of the words' forms (at most ``limit``), lower-case, single spaces."""
    out = [""]
    words = phrase.split()
    for i, w in enumerate(words):
        forms = word_forms(w, i == len(words) - 1) if _WORD.fullmatch(w) else (w.lower(),)
        out = [f"{head} {f}".strip() for head in out for f in forms][:limit]
    return out


def _tags_of(word: str) -> dict[str, str]:
    """Penn tag -> form of ``word``'s lemma (the word's own forms, no suppletion)."""
    li = _lemminflect()
    low = word.lower()
    out: dict[str, str] = {}
    if len(low) < MIN_LETTERS or not _WORD.fullmatch(low):
        return out
    lemmas: dict[str, tuple[str, ...]] = li.getAllLemmas(low)
    own = {pos for pos, ls in lemmas.items() if low in ls}
    for pos, ls in lemmas.items():
        if own and pos not in own:
            continue
        for lemma in ls:
            for tag, fs in li.getAllInflections(lemma, upos=pos).items():
                if fs and fs[0][:2] == low[:2]:
                    out.setdefault(tag, fs[0].lower())
    return out


def variant_forms(variant: str, preferred: str) -> dict[str, str]:
    """Other forms of a preferred term's variant -> the preferred term in the same form.

    One word changes at a time: the first word of a phrase as a verb, with the first word of the
    preferred term ("log in" -> "logged in" gives "signed in"), the last as a noun, with the last
    ("light preset" -> "light presets" gives "lighting scenes"); a one-word variant takes all
    its forms. A word of the preferred term that has no such form stays as it is."""
    words = variant.lower().split()
    target = preferred.split()
    out: dict[str, str] = {}
    if not words or not target:
        return out
    for i, w in enumerate(words):
        if 0 < i < len(words) - 1:
            continue
        j = 0 if i == 0 else len(target) - 1
        base = target[j]
        for tag, form in _tags_of(w).items():
            if form == w:
                continue
            if len(words) > 1 and not tag.startswith("VB" if i == 0 else "NN"):
                continue  # a phrase's first word changes as a verb, its last as a noun
            key = " ".join([*words[:i], form, *words[i + 1 :]])
            swapped = _tags_of(base).get(tag) if base.islower() else None
            out.setdefault(key, " ".join([*target[:j], swapped or base, *target[j + 1 :]]))
    return out


# --------------------------------------------------------------------------- user regexes


def _skip_class(pattern: str, i: int) -> int:
    """Index after the character class that starts at ``pattern[i] == '['``."""
    j = i + 1
    if j < len(pattern) and pattern[j] == "^":
        j += 1
    if j < len(pattern) and pattern[j] == "]":
        j += 1
    depth = 1
    while j < len(pattern) and depth:
        ch = pattern[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "[":
            depth += 1  # the regex module's nested sets
        elif ch == "]":
            depth -= 1
        j += 1
    return j


def _tokens(pattern: str) -> Iterator[tuple[str, str]]:
    """Split a regex into ("word", letters) runs that may be inflected and ("raw", text)."""
    i, n = 0, len(pattern)
    look_depth = 0
    stack: list[bool] = []  # per open group: is it a lookaround?
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            j = i + 2
            if i + 1 < n and pattern[i + 1] in "pPN" and j < n and pattern[j] == "{":
                j = pattern.find("}", j) + 1 or n
            yield "raw", pattern[i:j]
            i = j
        elif ch == "[":
            j = _skip_class(pattern, i)
            yield "raw", pattern[i:j]
            i = j
        elif ch == "{":
            j = pattern.find("}", i) + 1 or n
            yield "raw", pattern[i:j]
            i = j
        elif ch == "(":
            j = i + 1
            look = False
            if pattern.startswith("?", j):
                rest = pattern[j + 1 : j + 3]
                look = rest[:1] in ("=", "!") or rest in ("<=", "<!")
                if not look:  # (?:  (?i)  (?i:  (?P<name>  (?<name>  (?#...)
                    k = j + 1
                    while k < n and pattern[k] not in ":)>":
                        k += 1
                    j = k + 1 if k < n and pattern[k] in ":>" else k
            stack.append(look)
            look_depth += look
            yield "raw", pattern[i:j]
            i = j
        elif ch == ")":
            if stack and stack.pop():
                look_depth -= 1
            yield "raw", ch
            i += 1
        elif ch.isascii() and ch.isalpha():
            j = i
            while j < n and pattern[j].isascii() and pattern[j].isalpha():
                j += 1
            quantified = j < n and pattern[j] in "?*+{"
            kind = "raw" if look_depth or quantified else "word"
            yield kind, pattern[i:j]
            i = j
        else:
            yield "raw", ch
            i += 1


def inflect_regex(pattern: str) -> str:
    """``pattern`` with each plain literal word replaced by an alternation of its forms."""
    out = []
    for kind, text in _tokens(pattern):
        if kind == "word" and len(text) >= MIN_LETTERS:
            forms = word_forms(text)
            if text.isupper() or text[:1].isupper():
                forms = (text, *forms[1:])  # case is the rule's business (ignorecase)
            out.append(_alternation(forms) if len(forms) > 1 else text)
        else:
            out.append(text)
    return "".join(out)


# --------------------------------------------------------------------------- claims


@lru_cache(maxsize=16384)
def is_superlative(word: str) -> bool:
    """Is ``word`` the superlative of an adjective or adverb ("brightest", "best")?"""
    low = word.lower()
    li = _lemminflect()
    for pos, tag in (("ADJ", "JJS"), ("ADV", "RBS")):
        for lemma in li.getAllLemmas(low).get(pos, ()):
            if low in li.getAllInflections(lemma, upos=pos).get(tag, ()):
                return True
    return False


@lru_cache(maxsize=16384)
def is_adjective(word: str) -> bool:
    """Is ``word`` an adjective or adverb in its base form ("efficient", "reliably")?"""
    low = word.lower()
    lemmas = _lemminflect().getAllLemmas(low)
    return any(low in lemmas.get(pos, ()) for pos in ("ADJ", "ADV"))
