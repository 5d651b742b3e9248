"""Blaming and talking down to the reader, from a phrase list (``analyzers/scolding.py``)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from analyzers.scolding import RULE_BLAME, scolding_findings, scolding_words
from analyzers.types import Severity, Span

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "text, phrase",
    [
        (
            "Your lights went offline because you ignored the firmware update.",
            "because you ignored",
        ),
        (
            "Next time, please read the instructions before contacting support.",
            "Next time, please read",
        ),
        ("Read the manual before contacting support.", "Read the manual before contacting"),
        ("If you had read the docs, none of this would have happened.", "If you had read"),
        ("If you'd bothered to check the status page, you'd know.", "If you'd bothered"),
        ("Customers should have known better.", "Customers should have known"),
        ("That was entirely your fault.", "That was entirely your fault"),
        ("Honestly, that one is on you.", "that one is on you"),
        (
            "As we've already told you three times, it is in the menu.",
            "As we've already told you three times",
        ),
        ("To everyone who left a one-star review: grow up.", "grow up"),
        ("Grow up.", "Grow up"),
        (
            "The rules are online, which apparently some people cannot read.",
            "apparently some people cannot read",
        ),
        ("If you need hand-holding, do not bother applying.", "do not bother applying"),
        ("We are not here to babysit anyone.", "not here to babysit"),
        ("Stop complaining about the limits.", "Stop complaining"),
        (
            "Some of you clearly never bothered to test your backups.",
            "Some of you clearly never bothered",
        ),
    ],
)
def test_blame_and_condescension_are_found(text: str, phrase: str) -> None:
    assert phrase in scolding_words(text)


@pytest.mark.parametrize(
    "text",
    [
        # documentation and apologies use the same words without blame
        "Tasks that read undeclared inputs, such as variables you forgot to list, can fail.",
        "We failed to renew the certificate, and we are sorry.",
        "Lights that grow up with your kids.",
        "If a sync fails, we'll deal with it before you notice.",
        "Read the docs first to learn how scenes work.",
        "Next time you open the app, check the new sidebar.",
        "Screen readers help people who cannot read small print.",
        "It isn't rocket science: plug it in and it works.",
        "Don't be surprised if the app asks you to sign in again.",
        "The API returns a user error code for bad input.",
    ],
)
def test_everyday_uses_of_the_same_words_are_not(text: str) -> None:
    assert scolding_words(text) == []


@pytest.mark.parametrize("name", ["companycopy.tsv", "devcopy.tsv"])
def test_no_match_on_labelled_copy_without_the_scold_flag(name: str) -> None:
    """Precision on the hand-labelled training copy (6,758 sentences): the list never fires on
    a sentence not flagged ``scold``. Recall is low on purpose (``bench/scolding.py``)."""
    path = ROOT / "training/data" / name
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    alarms = [r["text"] for r in rows if "scold" not in r["flags"] and scolding_words(r["text"])]
    found = [r for r in rows if "scold" in r["flags"] and scolding_words(r["text"])]
    assert alarms == []
    assert len(found) >= 10


def test_one_finding_per_sentence_naming_its_phrases_skipping_flagged_ones() -> None:
    text = "Grow up. You simply ignored the warning, and you know it. Thanks for reading."
    spans = [Span(0, 8), Span(9, 57), Span(58, 77)]
    found = scolding_findings(text, spans)
    assert [(f.rule_id, f.matched, f.severity) for f in found] == [
        (RULE_BLAME, "Grow up", Severity.ERROR),
        (RULE_BLAME, "You simply ignored", Severity.ERROR),
    ]
    assert "“You simply ignored”, “and you know it”" in found[1].message
    assert all(text[f.span.start : f.span.end] == f.matched for f in found)
    assert scolding_findings(text, spans, skip=[spans[1]])[1:] == []
