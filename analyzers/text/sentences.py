"""Sentence splitting: abbreviation, decimal, URL and emoji aware; never across blank lines."""

from __future__ import annotations

import regex

_EMOJI = (
    r"(?:\p{Regional_Indicator}{2}|[\p{Extended_Pictographic}\u20E3]"
    r"(?:[\uFE0E\uFE0F]|\p{Emoji_Modifier}|\u200D\p{Extended_Pictographic})*)"
)
_EMOJI_PART = (
    r"[\p{Regional_Indicator}\p{Extended_Pictographic}\p{Emoji_Modifier}\u20E3\uFE0E\uFE0F\u200D]"
)
_SENTENCE_END = regex.compile(
    r"(?P<hard>(?:\r\n|\r|\n)[ \t\f\v]*(?:\r\n|\r|\n))"
    # a run of marks is matched from its first mark only, and possessively: "....x" costs one
    # attempt, not one per mark (that was quadratic, minutes at 40,000 characters)
    r"|(?<![.!?…。！？‼⁇⁈⁉])(?P<punct>[.!?…。！？‼⁇⁈⁉]++)(?P<close>[\"'”’»)\]]*+)"
    rf"(?P<emoji>(?:[ \t]*{_EMOJI})*)(?=\s|$)"
    # likewise a run of emoji is tried from its first emoji only (it was quadratic too)
    rf"|(?<!{_EMOJI_PART})(?P<emo>(?:{_EMOJI})++)(?=[ \t]*(?:\r\n|\r|\n))"
)
# month abbreviations ("Jan. 3"); the rules' sentence splitter reads them too
MONTH_ABBREVIATIONS = frozenset(
    ["jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"]
)
# titles and the like: never the end of a sentence
_ABBR_NEVER = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "mx",
        "dr",
        "prof",
        "rev",
        "hon",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "cmdr",
        "gov",
        "sen",
        "rep",
        "pres",
        "st",
        "mt",
        "ft",
        "e.g",
        "eg",
        "i.e",
        "ie",
        "vs",
        "cf",
        "viz",
        "approx",
        "appt",
        "apt",
        "dept",
        "est",
        "ca",
        "resp",
    ]
)
# only abbreviations when a number follows ("No. 5", "Jan. 3", "p. 12")
_ABBR_NUMERIC = (
    frozenset(
        [
            "no",
            "nos",
            "vol",
            "vols",
            "p",
            "pp",
            "fig",
            "figs",
            "ch",
            "sec",
            "art",
            "op",
            "ed",
        ]
    )
    | MONTH_ABBREVIATIONS
)
# abbreviations that may also end a sentence: a boundary only when no lowercase word follows
_ABBR_MAY_END = frozenset(
    [
        "etc",
        "inc",
        "ltd",
        "co",
        "corp",
        "llc",
        "plc",
        "bros",
        "jr",
        "sr",
        "esq",
        "al",
        "phd",
        "u.s",
        "u.k",
        "e.u",
        "a.m",
        "p.m",
    ]
)
_OPENERS = "\"'“‘([{«"


def _is_boundary(text: str, start: int, punct: str, end: int) -> bool:
    """Decide whether the terminal punctuation ``punct`` at ``start`` ends a sentence."""
    n = len(text)
    q = end
    while q < n and text[q].isspace():
        q += 1
    if q >= n:
        return True
    nxt = text[q]
    if punct.startswith(("..", "…")):
        return nxt.isupper()
    if "." not in punct or any(ch in punct for ch in "!?。！？‼⁇⁈⁉"):
        return True
    # a single full stop: look at the word before it
    w = start
    while w > 0 and not text[w - 1].isspace():
        w -= 1
    token = text[w:start].lstrip(_OPENERS)
    low = token.lower()
    if not token:
        return True
    if low in _ABBR_NEVER:
        return False
    if low in _ABBR_NUMERIC:
        return not nxt.isdigit()
    if token.isdigit() and len(token) <= 3:
        # "1. Install" at the start of a line is list numbering (only the blanks before the
        # token are looked at: bounded, where a search for the line start was not)
        b = w
        while b > 0 and text[b - 1] in " \t":
            b -= 1
        if b == 0 or text[b - 1] in "\r\n":
            return False
    if len(token) == 1 and token.isalpha() and token != "I":
        # an initial ("J. Smith"), or a lone letter
        return not (token.isupper() and nxt.isupper()) and not nxt.islower()
    if low in _ABBR_MAY_END or (regex.fullmatch(r"(?:\p{L}\.)+\p{L}", token) is not None):
        return not nxt.islower()
    return True


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence ranges ``(start, end)`` in ``text``, trimmed of surrounding whitespace.

    Splits after ``.``, ``!``, ``?`` and ellipses (plus closing quotes/brackets and emoji that
    follow), after an emoji that ends a line, and always at blank lines (never across them).
    Abbreviations (e.g., i.e., Mr., Dr., Inc., U.S., etc.), initials, decimals ($1.99),
    version numbers, URLs and e-mail addresses do not end a sentence; a final sentence without
    punctuation runs to the end.
    """
    if not isinstance(text, str):
        raise TypeError(f"split_sentences() needs a str, got {type(text).__name__}")
    out: list[tuple[int, int]] = []

    def add(a: int, b: int) -> None:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))

    pos = 0
    for mt in _SENTENCE_END.finditer(text):
        if mt.group("hard") is not None:
            add(pos, mt.start())
            pos = mt.end()
        elif mt.group("emo") is not None or _is_boundary(
            text, mt.start(), mt.group("punct"), mt.end()
        ):
            add(pos, mt.end())
            pos = mt.end()
    add(pos, len(text))
    return out
