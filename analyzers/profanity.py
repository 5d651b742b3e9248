"""Profanity in copy, from a word list: ``Tone.Profanity``.

Swearing is a matter of words, not of a sentence's meaning, so a list finds it more reliably than
a sentence model does: the brand-safety head reads "Damn, we even got an incident ..." as 0.16
offensive. A brand editor asks to rewrite profanity in any company copy, and above all in
incident reports ("profanity in incident copy" is one of the realcopy-dev guidelines' reasons
for a tone change), so every match is a finding, one per sentence, naming the words.

The list is brandbot's own and short on purpose: words that are profane in every context
("shit", "damn", "bastard", "bloody" and their forms, masked ones such as "f***" too) and phrases
that are profane only as a whole ("what the hell", "a hell of a", "fast as hell", "pain in the
ass"). Words with an innocent everyday sense are left out ("hell" as in
"dependency hell", "kill", "screw", "cock", "Dick"); matching needs whole words, so "Scunthorpe",
"assess", "cockpit" and "shiitake" never match; a word next to an apostrophe or a hyphen still
counts ("shit's", "‘crap’", "no-bullshit", "piss-poor"), a phrase or an acronym next to a hyphen
does not ("hell-bent", "Flask-WTF"), nor do "Bloody Mary", "bloody-minded" and "craps". The
guide's banned terms remain the place for a brand's own list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from analyzers.types import Category, Finding, Severity, Span

RULE_PROFANITY = "Tone.Profanity"

# whole words, any case; each alternative lists the forms (one regex: one scan per sentence)
_WORDS = (
    r"\w*fuck\w*",
    r"\w*shit(?:s|ty|tier|tiest|ting|ted|head|heads|show|shows|storm|storms)?",
    r"bullshit\w*",
    r"horseshit",
    r"(?:god)?damn(?:ed|it|s)?",
    r"god-damn(?:ed)?",
    r"dammit",
    r"cunts?",
    r"cocksuck\w*",
    r"dickheads?",
    r"(?:dumb|jack|smart|bad|kick)ass(?:es)?",
    r"arseholes?",
    r"half-assed",
    r"bitch(?:es|ing|y|ed)?",
    r"bastards?",
    r"piss(?:es|ed|ing)?",
    r"crap(?:py|pier|piest|ped|ping)?",  # not "craps", the dice game
    r"bollocks",
    r"bloody(?! mary|-minded)",  # the cocktail and "obstinate" are not swearing
    # masked: "f***", "clusterf***", "f***ed"; not "off***" (three stars mark a footnote)
    r"(?:cluster|mother)?f\*{3,}\w*",
    r"f(?:\*\*|\*c|u\*)k\w*",  # "f**king", "f*ck", "fu*k"
    r"(?:bull)?s(?:h[*!]|\*\*)t\w*",  # "sh*t", "sh!t", "s**t", "bullsh*t"
    r"a(?:ss|\*\*)holes?",
)
_PHRASES = (
    r"(?:what|who|where|why|how) the hell",
    r"the hell (?:out|of it|with)",
    r"hell (?:no|yeah|yes)",
    r"go to hell",
    r"bloody hell",
    r"(?:a|one) hell of an?",
    r"(?:as|like) hell",
    r"pain in the (?:ass|arse|butt)",
    r"kick(?:s|ed|ing)? (?:some )?ass",
    # acronyms also live in identifiers: "Flask-WTF" is a library, not swearing
    r"wtf",
    r"stfu",
    r"omfg",
    r"lmfao",
)
# A word is bounded by anything but a word character, so "shit's", "‘crap’", "no-bullshit" and
# "piss-poor" match; a phrase or an acronym must not touch a hyphen ("hell-bent", "Flask-WTF").
PROFANE = re.compile(
    r"(?<![\w-])(?:" + "|".join(_PHRASES) + r")(?![\w-])"
    r"|(?<!\w)(?:" + "|".join(_WORDS) + r")(?!\w)",
    re.IGNORECASE,
)
MESSAGE = "This sentence uses profanity"
ADVICE = "Keep the language professional, even when the news is bad"
MAX_FINDINGS = 3
MAX_NAMED = 5  # words named in one finding's message
MAX_WORD = 40  # characters of a named word ("f" and 10,000 stars is one "word")


def profane_words(text: str) -> list[str]:
    """The profane words and phrases in ``text``, in order, each once (as written)."""
    return _unique(PROFANE.finditer(text))


def _unique(matches: Iterable[re.Match[str]]) -> list[str]:
    seen: dict[str, str] = {}
    for m in matches:
        seen.setdefault(m.group(0).casefold(), m.group(0))
    return list(seen.values())


def _short(word: str) -> str:
    return word if len(word) <= MAX_WORD else word[: MAX_WORD - 1] + "…"


def profanity_findings(
    text: str, sentences: Sequence[Span], *, advice: str = "", link: str | None = None
) -> list[Finding]:
    """One ``Tone.Profanity`` finding per sentence that swears (at most ``MAX_FINDINGS``), on
    its first profane word, naming them all. ``advice`` replaces the default advice (the
    guide's ``voice.advice``, as for the other policy findings)."""
    out: list[Finding] = []
    for sentence in sentences:
        # one scan of the sentence, in the draft (a word's bounds may look past the sentence)
        found = list(PROFANE.finditer(text, sentence.start, sentence.end))
        if not found:
            continue
        first, words = found[0], _unique(found)
        named = ", ".join(f"“{_short(w)}”" for w in words[:MAX_NAMED])
        out.append(
            Finding(
                rule_id=RULE_PROFANITY,
                category=Category.TONE.value,
                severity=Severity.ERROR,
                message=f"{MESSAGE}: {named}. {advice or ADVICE}.",
                span=Span(first.start(), first.end()),
                matched=first.group(0),
                link=link,
                action="edit",
            )
        )
        if len(out) >= MAX_FINDINGS:
            break
    return out
