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
        ("Honestly, that outage was your own fault.", "your own fault"),
        ("You simply ignored the firmware update we sent three times.", "You simply ignored"),
        (
            "Users who skip updates have nobody to blame but themselves.",
            "nobody to blame but themselves",
        ),
        (
            "If you had actually read the docs, none of this would have happened.",
            "If you had actually read",
        ),
        ("We told you so.", "We told you so"),
        ("We've told you three times: the button is on the right.", "We've told you three times"),
        ("Read the manual for once.", "Read the manual for once"),
        (
            "Next time, please read the instructions before contacting support.",
            "Next time, please read the instructions",
        ),
        ("To everyone who left a one-star review: grow up.", "grow up"),
        ("Grow up.", "Grow up"),
        ("If your schedules stop working after 1 March, that's on you.", "that's on you"),
        ("Your network, your rules: that is your own problem.", "that is your own problem"),
        ("Please don't waste our time with returns like these.", "don't waste our time"),
        ("Stop whining about the new limits.", "Stop whining"),
        ("Prices went up. Just deal with it.", "Just deal with it"),
        (
            "The rules are online, which apparently some people cannot read.",
            "apparently some people cannot read",
        ),
        ("If you need hand-holding, do not bother applying.", "do not bother applying"),
        ("We are not here to babysit anyone.", "We are not here to babysit"),
        ("RTFM.", "RTFM"),
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
        "It's not your fault, and it is not your job to fix it.",
        # everyday copy an independent pass wrote to use the first list's words innocently
        "Subscription revenue dipped in March as customers skipped the annual plan.",
        "Since you chose not to share analytics, this page shows only the data on your device.",
        "Did the import fail because you forgot to map a column? The importer now warns you.",
        "Last month we told you about our new Leeds showroom.",
        "As I told you on the phone, your refund is on its way.",
        "Read the instructions before opening the driver housing.",
        "The new roof terrace is entirely their own doing. Thank you, facilities team!",
        "We first assumed it was user error, but it was our bug, and we are sorry.",
        "Take care not to hold your hand over the vent while the lamp is on.",
        "Use your head torch on its lowest setting for map reading.",
        "A curious cat cannot knock it off the counter.",
        "Grow up with music. Tinbox runs group lessons for ages four to twelve.",
        "Don't bother writing a long cover letter.",
        "If you'd checked the box at sign-up, your welcome credit is already in your account.",
        "Please check the FAQ before contacting support.",
        "By the end of your first week you should have read the handbook.",
        "Next time, make sure to check out our stand.",
        "Friday's pizza? It's on you, quiz champion 🍕",
        "That's on your list for next week, right?",
        "We won't waste your time with a long survey.",
        "The projector helps many babies stop crying at night.",
        "Parents tell us their toddlers stop whining at bedtime.",
        "Friday's pizza? It's on you, quiz champion.",
        "If you had read the earlier draft of this policy, note that section 4 changed.",
        "Clearly some customers could not read the old grey-on-white labels.",
        "If you can't be bothered with cables, the battery pack is for you.",
        "Because people ignored the old banner, we replaced it.",
        "Busy? Just deal with it later: snooze any alert.",
        "Read the manual before contacting support? No need: we walk you through setup.",
        # an editor's pass: a quotation is someone else's words, and "on you" after "on us"
        # is a treat
        '"Don’t waste my time," she said, so we built a setup that takes one minute.',
        "Our founder still remembers a buyer's “Grow up.” when she pitched the first lamp.",
        "Lunch is on us. Dessert? That's on you.",
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
    assert found  # recall is low on purpose: bench/scolding.py


def test_one_finding_per_sentence_naming_its_phrases_skipping_flagged_ones() -> None:
    text = "Grow up. You simply ignored the warning: your own fault. Thanks for reading."
    spans = [Span(0, 8), Span(9, 56), Span(57, 76)]
    found = scolding_findings(text, spans)
    assert [(f.rule_id, f.matched, f.severity) for f in found] == [
        (RULE_BLAME, "Grow up", Severity.ERROR),
        (RULE_BLAME, "You simply ignored", Severity.ERROR),
    ]
    assert "“You simply ignored”, “your own fault”" in found[1].message
    assert all(text[f.span.start : f.span.end] == f.matched for f in found)
    assert scolding_findings(text, spans, skip=[spans[1]])[1:] == []
