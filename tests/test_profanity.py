"""Profanity from a word list (``Tone.Profanity``): found whatever the safety head says, on whole
words only, never on innocent look-alikes, and through the whole review."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from model_fakes import FakePredictor, doc, make_guide

from analyzers.models.suite import EmbeddedModelSuite
from analyzers.profanity import MAX_FINDINGS, RULE_PROFANITY, profane_words, profanity_findings
from analyzers.types import Span


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Damn, we even got an incident that took us half an hour to notice 😅!", ["Damn"]),
        ("Our release process was a damn mess.", ["damn"]),
        ("What the hell happened to the build?", ["What the hell"]),
        ("Rotating keys by hand is a pain in the ass.", ["pain in the ass"]),
        ("This is bullshit, and the old runner was shitty.", ["bullshit", "shitty"]),
        ("Goddamnit, the cache again.", ["Goddamnit"]),
        ("WTF is this error?", ["WTF"]),
        ("The on-call engineer was pissed, and rightly so.", ["pissed"]),
        ("He wrote “crap” in the commit message, twice: crap.", ["crap"]),
        ("Builds were f***ed for three days; a clusterf***.", ["f***ed", "clusterf***"]),
        ("Sh*t happens, and that a**hole of a bug proved it.", ["Sh*t", "a**hole"]),
        ("That was a hell of a week, and the fix was slow as hell.", ["a hell of a", "as hell"]),
        ("We spent three bloody days on a missing comma.", ["bloody"]),
        # apostrophes and single quotes, straight and curly, around a profane word
        ("Shit's broken again, and the fix isn't shipping.", ["Shit"]),
        ("He called the old runner ‘crap’ in the review.", ["crap"]),
        ("He called the old runner 'crap' in the review.", ["crap"]),
        ("That fuckin' build again.", ["fuckin"]),
        # hyphenated compounds of words that are profane in every context
        ("No-bullshit pricing for every team.", ["bullshit"]),
        ("A piss-poor rollout and a shit-show of a launch.", ["piss", "shit"]),
        # the commonest masked spellings
        ("This f*ck-up cost us a f*cking week; fu*k.", ["f*ck", "f*cking", "fu*k"]),
        ("That was bullsh*t.", ["bullsh*t"]),
        ("We crapped out twice.", ["crapped"]),
    ],
)
def test_profanity_is_found(text: str, words: list[str]) -> None:
    assert profane_words(text) == words


@pytest.mark.parametrize(
    "text",
    [
        "Welcome to dependency hell, where every upgrade breaks two others.",
        "Our Scunthorpe office assesses the class of each request.",
        "Kill the process with SIGKILL, then screw the bracket back in.",
        "The cockpit view shows Dickens, Moby Dick and a peacock.",
        "Hello! Shiitake, passed, classic, bass, Hellman, scrapbook.",
        "They were hell-bent on shipping; 2 ** 8 is 256, and f** is not a word.",
        "We're sorry: the import failed for 4% of teams between 14:02 and 14:47 UTC.",
        "Join us for Bloody Mary brunch at the Middlesex office after the launch.",
        "Casino night has blackjack, roulette and a craps table.",
        "She was bloody-minded about quality, and it shows.",
        "They were hell-bent on shipping; it was hell-ish; as hell-fire goes, mild.",
        "The form layer moved to Flask-WTF; see the wtf-forms guide.",
        # three stars are a footnote mark after any word, and many words end in "f"
        "Get 50% off*** your first order; free for staff*** and students.",
    ],
)
def test_innocent_words_are_not_profanity(text: str) -> None:
    assert profane_words(text) == []


def test_one_finding_per_sentence_on_its_first_profane_word() -> None:
    text = "Damn, the build broke. Plain sentence here. Shit, again, what the hell."
    spans = [Span(0, 22), Span(23, 43), Span(44, len(text))]
    first, second = profanity_findings(text, spans)
    assert (first.rule_id, first.category, first.matched) == (RULE_PROFANITY, "tone", "Damn")
    assert text[first.span.start : first.span.end] == "Damn"
    assert second.matched == "Shit" and text[second.span.start : second.span.end] == "Shit"
    assert "“Shit”, “what the hell”" in second.message
    assert second.message.endswith("Keep the language professional, even when the news is bad.")
    # a hostile draft cannot make a huge message: words are shortened and few are named
    huge = "f" + "*" * 10_000 + " damn shit crap piss bastard bloody wtf"
    (f,) = profanity_findings(huge, [Span(0, len(huge))])
    assert len(f.message) < 400 and "“f***" in f.message and "bloody" not in f.message
    many = " ".join(["Damn."] * (MAX_FINDINGS + 2))
    assert len(profanity_findings(many, [Span(i * 6, i * 6 + 5) for i in range(5)])) == 3


def test_the_review_finds_profanity_the_safety_head_misses() -> None:
    # the fake safety head only knows a few trigger words; "crap" is not one of them
    text = "The outage lasted two hours. Honestly, our alerting was crap that night."
    guide = make_guide()
    (out,) = EmbeddedModelSuite(FakePredictor()).analyze([doc(text)], guide)
    found = [f for f in out.findings if f.rule_id == RULE_PROFANITY]
    assert [f.matched for f in found] == ["crap"]
    assert not [f for f in out.findings if f.rule_id == "Tone.Offensive"]
    # the profile's advice replaces the default one, as for the other policy findings
    incident = replace(guide, voice=replace(guide.voice, advice="Acknowledge, explain, say next"))
    (out,) = EmbeddedModelSuite(FakePredictor()).analyze([doc(text)], incident)
    (f,) = [f for f in out.findings if f.rule_id == RULE_PROFANITY]
    assert f.message.endswith("Acknowledge, explain, say next.")
    clean = "The outage lasted two hours. Our alerting missed it, and we have fixed that."
    (out,) = EmbeddedModelSuite(FakePredictor()).analyze([doc(clean)], guide)
    assert not [f for f in out.findings if f.rule_id == RULE_PROFANITY]


def test_a_banned_term_and_the_profanity_list_on_the_same_word_are_one_finding(
    tmp_path: Path,
) -> None:
    from analyzers import Draft, Reviewer, load_guide

    path = tmp_path / "guide.yaml"
    path.write_text(
        "version: 1\nname: Brightwave\n"
        "banned:\n  - term: shit\n    reason: We do not swear in copy\n",
        encoding="utf-8",
    )
    text = "Honestly, this shit broke the build. Our launch went fine."
    review = Reviewer(load_guide(path), EmbeddedModelSuite(FakePredictor())).review_one(Draft(text))
    on_word = [f for f in review.findings if f.span.slice(text) == "shit"]
    assert len(on_word) == 1, [(f.rule_id, f.message) for f in on_word]


def test_a_style_rule_and_the_profanity_list_on_the_same_word_are_one_finding(
    shared: Path,
) -> None:
    # the example guide loads Vale's proselint style (from ../shared), whose Cursing rule lists
    # "shit" too
    from analyzers import Draft, Reviewer, load_guide
    from analyzers.paths import REPO_ROOT

    guide = load_guide(REPO_ROOT / "examples" / "brand-guide.yaml")
    text = "Honestly, this shit broke the build. Our launch went fine."
    review = Reviewer(guide, EmbeddedModelSuite(FakePredictor())).review_one(Draft(text))
    on_word = [f for f in review.findings if f.span.slice(text) == "shit"]
    assert len(on_word) == 1, [(f.rule_id, f.message) for f in on_word]
    # without the models, the Vale rule alone still finds it
    rules_only = Reviewer(guide, None).review_one(Draft(text))
    assert [f.rule_id for f in rules_only.findings if f.span.slice(text) == "shit"] == [
        "proselint.Cursing"
    ]
