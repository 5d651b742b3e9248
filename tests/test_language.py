"""The draft's language: detected with py3langid; other languages are not judged as English."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence

import pytest

from analyzers.guide import BrandGuide, default_guide_path, load_guide
from analyzers.language import detect_language
from analyzers.models.base import ModelInput, ModelOutput
from analyzers.reviewer import Reviewer
from analyzers.types import Draft, Language, Review, Verdict

FRENCH = (
    "Installez LumaSync en dix minutes avec votre téléphone. Vos scènes d'éclairage vous "
    "suivent de la salle de réunion jusqu'au hall d'entrée."
)


@pytest.fixture(scope="module")
def guide() -> BrandGuide:
    return load_guide(default_guide_path())


@pytest.mark.parametrize(
    "text, code",
    [
        (FRENCH, "fr"),
        ("Wir freuen uns, die neue Lampe für das Büro vorzustellen.", "de"),
        ("La nueva app ya está disponible para todos los clientes.", "es"),
        ("我们很高兴地宣布我们的新产品系列，它让办公室的照明更简单。", "zh"),
        ("Мы рады представить нашу новую линейку ламп для офиса и дома.", "ru"),
    ],
)
def test_other_languages_are_detected(text: str, code: str) -> None:
    lang = detect_language(text)
    assert (lang.code, lang.english) == (code, False)
    assert lang.confidence >= 0.75 and "not reviewed" in lang.note


@pytest.mark.parametrize(
    "text",
    [
        "LumaSync turns every light in the office on with one tap.",
        "Fast. Secure. Simple. Brightwave Pro is here.",
        "Ship it today!",
        "Big news: LumaBeam Pro ships Monday.",
        "OMG you guys, our lights are literally insane!!!",
    ],
)
def test_english_copy_is_english(text: str) -> None:
    lang = detect_language(text)
    assert lang.english and lang.code == "en"


def test_too_short_to_tell_is_reviewed_as_english_with_a_note() -> None:
    for text in ("Hola", "Le café", "OK :tada:"):
        lang = detect_language(text)
        assert lang.english and lang.confidence == 0.0
        assert "too short" in lang.note


class CountingSuite:
    """Records which drafts reached the models; says every sentence is positive."""

    name = "counting"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def analyze(self, docs: Sequence[ModelInput], guide: BrandGuide) -> list[ModelOutput]:
        self.seen += [d.plain.text for d in docs]
        return [ModelOutput() for _ in docs]


def test_a_french_draft_is_not_reviewed_for_tone_and_sentiment(guide: BrandGuide) -> None:
    suite = CountingSuite()
    english = "Set up LumaBeam Pro in ten minutes with the app you already use."
    french, eng = Reviewer(guide, suite).review([Draft(FRENCH), Draft(english)])
    assert suite.seen == [english]  # the French draft never reached the English models
    assert french.verdict is Verdict.NOT_REVIEWED and eng.verdict is Verdict.PASS
    assert french.language is not None and french.language.code == "fr"
    assert {"sentiment", "tone", "entities (model)"} <= set(french.skipped)
    assert "French" in french.skipped["tone"]
    assert set(french.category_scores) == {"terminology", "entities", "style"}
    # the guide's gazetteer still runs: product names are language-neutral
    assert [e.text for e in french.entities] == ["LumaSync"]


def test_english_only_rules_are_skipped_but_guide_terms_and_errors_still_count(
    guide: BrandGuide,
) -> None:
    text = (
        "Notre lampe est 100% fiable et la meilleure du monde, avec une synergy incroyable "
        "entre les interrupteurs intelligents, contrairement à Brightline."
    )
    review = Reviewer(guide).review_one(Draft(text))
    rules = {f.rule_id for f in review.findings}
    assert "Brand.ClaimCheck" not in rules and "Brand.Readability" not in rules
    assert "Brand.Banned_Synergy" in rules
    # a competitor named is an error in any language: the rules' verdict stands
    assert review.verdict is Verdict.NEEDS_WORK


class SentenceSuite(CountingSuite):
    """Records the sentences each draft sends to the models."""

    def __init__(self) -> None:
        super().__init__()
        self.sentences: list[list[str]] = []

    def analyze(self, docs: Sequence[ModelInput], guide: BrandGuide) -> list[ModelOutput]:
        self.sentences += [[d.plain.text[s:e] for s, e in d.sentences] for d in docs]
        return super().analyze(docs, guide)


MIXED = (
    "Our new hub ships today and works with every light you own. "
    "Nos clients adorent la lumière douce du matin. "
    "Schedules now sync in under a second across all your offices."
)


def test_split_languages_finds_the_foreign_sentence_of_an_english_draft() -> None:
    from analyzers.language import split_languages
    from analyzers.text import split_sentences

    sentences = split_sentences(MIXED)
    lang, foreign = split_languages(MIXED, sentences, detect_language(MIXED))
    assert lang.english and lang.code == "en"
    assert [MIXED[s:e] for s, e in foreign] == ["Nos clients adorent la lumière douce du matin."]
    assert "1 sentence in French" in lang.note
    # a French draft with one English line stays French; one sentence is never split
    french = FRENCH + " Set up takes ten minutes."
    draft = detect_language(french)
    assert split_languages(french, split_sentences(french), draft) == (draft, ())
    one = "Nos clients adorent la lumière douce du matin."
    assert split_languages(one, [(0, len(one))], detect_language(one))[1] == ()


def test_a_foreign_sentence_reaches_neither_the_models_nor_english_rules(
    guide: BrandGuide,
) -> None:
    """Before, the French line of an English draft got "Nos" typed as a product and spelling
    warnings on "adorent", "lumière" and "du"."""
    suite = SentenceSuite()
    review = Reviewer(guide, suite).review_one(Draft(MIXED))
    assert suite.sentences == [
        [
            "Our new hub ships today and works with every light you own.",
            "Schedules now sync in under a second across all your offices.",
        ]
    ]
    assert review.language is not None and review.language.english
    assert "French" in review.language.note
    assert [f.rule_id for f in review.findings] == []
    # the guide's own rules still read every sentence
    banned = Reviewer(guide).review_one(Draft(MIXED.replace("douce", "synergy")))
    assert [f.rule_id for f in banned.findings] == ["Brand.Banned_Synergy"]


def test_language_round_trips_through_json(guide: BrandGuide) -> None:
    review = Reviewer(guide).review_one(Draft(FRENCH))
    again = Review.from_dict(json.loads(json.dumps(review.to_dict())))
    assert again == review and again.language == review.language
    older = {k: v for k, v in review.to_dict().items() if k != "language"}
    assert Review.from_dict(older).language is None


def test_cli_and_blocks_show_the_language(
    guide: BrandGuide, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot import blocks
    from bot.cli import main

    assert main(["review", "--no-models", FRENCH]) == 0
    out = capsys.readouterr().out
    assert "Not reviewed for tone and sentiment" in out and "written in French" in out
    review = Reviewer(guide).review_one(Draft(FRENCH))
    msg = blocks.review_message(review)
    text = json.dumps(msg["blocks"], ensure_ascii=False)
    assert "*Language*" in text and "written in French" in text
    assert "Not reviewed for tone and sentiment" in msg["text"]
    assert "written in French" in blocks.fallback_text(review)
    english = dataclasses.replace(review, language=Language("en", 0.99, True))
    assert "*Language*" not in json.dumps(blocks.review_message(english)["blocks"])


def test_a_foreign_sentence_among_unsure_english_ones_is_still_left_out(
    guide: BrandGuide,
) -> None:
    """The identifier is not sure of "LumaSync is now available in Spain." in English: the
    Spanish line was spell-checked as English (six warnings) because only sentences surely in
    English counted for the draft."""
    text = (
        "LumaSync is now available in Spain. Vuestra red es un desastre, leed el manual de una "
        "vez. Schedules sync in under a second."
    )
    suite = SentenceSuite()
    review = Reviewer(guide, suite).review_one(Draft(text))
    assert suite.sentences == [
        ["LumaSync is now available in Spain.", "Schedules sync in under a second."]
    ]
    assert review.language is not None and "Spanish" in review.language.note
    assert [f.rule_id for f in review.findings if f.rule_id == "Brand.Spelling"] == []


@pytest.mark.models
def test_one_foreign_sentence_does_not_switch_off_the_english_review(guide: BrandGuide) -> None:
    """The model suite judged the whole text's language again: one German sentence made it
    skip tone and sentiment for the English insult beside it, while the note said only the
    German sentence was left out."""
    pytest.importorskip("analyzers.models.predictor")
    from analyzers.models.suite import load_default_suite

    text = (
        "Brightline sucks and its customers are idiots. Die neue App ist ab heute verfügbar "
        "und funktioniert mit allen Leuchten. Schedules now sync in under a second."
    )
    review = Reviewer(guide, load_default_suite()).review_one(Draft(text))
    assert "sentiment" not in review.skipped and "tone" not in review.skipped
    rules = {f.rule_id for f in review.findings}
    assert {"Sentiment.Disparaging", "Tone.Offensive"} <= rules


@pytest.mark.parametrize(
    ("greeting", "language"), [("Bonjour à tous !", "French"), ("Viel Spaß!", "German")]
)
def test_a_short_greeting_in_another_language_is_not_spell_checked(
    guide: BrandGuide, greeting: str, language: str
) -> None:
    """Too short for the identifier alone, a greeting got a spelling warning per word."""
    text = f"{greeting} Our new hub ships today and works with every light you own."
    suite = SentenceSuite()
    review = Reviewer(guide, suite).review_one(Draft(text))
    assert suite.sentences == [["Our new hub ships today and works with every light you own."]]
    assert review.language is not None and review.language.english
    assert language in review.language.note
    assert [f.rule_id for f in review.findings] == []


@pytest.mark.parametrize("line", ["Cheers!", "Try lumasync!", "Stay tuned!"])
def test_a_short_english_line_stays_english(guide: BrandGuide, line: str) -> None:
    """The identifier reads "Cheers!" as Dutch: a short line is foreign only when the English
    dictionary does not know most of its words too."""
    text = f"{line} Our new hub ships today and works with every light you own."
    suite = SentenceSuite()
    review = Reviewer(guide, suite).review_one(Draft(text))
    assert suite.sentences == [
        [line, "Our new hub ships today and works with every light you own."]
    ]
    assert review.language is not None and not review.language.note
    products = [f.matched for f in review.findings if f.rule_id == "Brand.Products"]
    assert products == (["lumasync"] if "lumasync" in line else [])
