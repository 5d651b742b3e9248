"""Spelling: Hunspell dictionaries as Vale reads them, ``brandbot vale`` and the brand guide."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path
from typing import Any

import hostile_inputs as hi
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzers import hunspell
from analyzers.guide import GuideError, load_guide
from analyzers.hunspell import Checker, Dictionary, DictionaryError
from analyzers.reviewer import compile_rules
from analyzers.rules import load_rule, run_rules
from analyzers.rules.spelling import Spelling, skipped_by_default, words_with_offsets
from analyzers.text import to_plain

AFF = """SET UTF-8
ICONV 1
ICONV ’ '
BREAK 2
BREAK 1
BREAK -
PFX U Y 1
PFX U 0 un .
SFX S Y 2
SFX S y ies [^aeiou]y
SFX S 0 s [^y]
SFX D Y 1
SFX D 0 ed/S .
"""
WORDS = "a alone and but in lives our the"
DIC = "\n".join(["14", "cloud/S", "dashboard/S", "story/S", "done/U", "walk/D", "don't"])
DIC += "\n" + "\n".join(WORDS.split()) + "\n"


@pytest.fixture()
def dict_dir(tmp_path: Path) -> Path:
    d = tmp_path / "dicts"
    d.mkdir()
    (d / "en_US.aff").write_text(AFF, encoding="utf-8")
    (d / "en_US.dic").write_text(DIC, encoding="utf-8")
    return d


@pytest.fixture()
def default_dict(dict_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BRANDBOT_DICTIONARY", str(dict_dir / "en_US.dic"))
    return dict_dir


def test_affixes_expand_as_vale_expands_them(dict_dir: Path) -> None:
    d = Dictionary.from_files(dict_dir / "en_US.aff", dict_dir / "en_US.dic")
    for word in ("clouds", "stories", "undone", "Dashboards", "walked", "walkeds", "2024", "0x1F"):
        assert d.spell(word), word
    for word in ("storys", "cloudz", "dashbord", "unwalk"):
        assert not d.spell(word), word
    assert d.spell("cloud-dashboard")  # BREAK on '-': both halves are words
    assert not d.spell("cloud-dashbord")
    assert d.convert("don’t") == "don't"


def test_checker_word_lists_and_suggestions(dict_dir: Path, tmp_path: Path) -> None:
    checker = Checker([Dictionary.from_files(dict_dir / "en_US.aff", dict_dir / "en_US.dic")])
    words = tmp_path / "ignore.txt"
    words.write_text("Zentrix\n", encoding="utf-8")
    checker.add_word_file(words)
    # as in Vale, a listed word is matched as written (a lower-case text word matches too)
    assert checker.spell("Zentrix") and checker.spell("ZENTRIX".title())
    assert not checker.spell("zentrix")
    assert checker.suggest("dashbord") == ["dashboard", "dashboards"]
    assert checker.suggest("Clowd")[0] == "Cloud"


def test_missing_default_dictionary_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRANDBOT_DICTIONARY", raising=False)
    monkeypatch.delenv("DICPATH", raising=False)
    monkeypatch.setattr(hunspell, "SYSTEM_DIRS", ())
    with pytest.raises(DictionaryError, match="hunspell-en-us"):
        hunspell.default_dictionary()


def test_vale_tokenizer_and_default_filters() -> None:
    text = '(Hello), "world"! Mr. e.g. don’t $5'
    assert [w for w, _ in words_with_offsets(text)] == ["Hello", "world", "Mr.", "e.g.", "don't"]
    assert [o for _, o in words_with_offsets(text)] == [1, 10, 18, 22, 27]
    assert skipped_by_default("camelCaseWord") and skipped_by_default("API")
    assert skipped_by_default("e.g.") and not skipped_by_default("dashbord")


def test_spelling_rule_filters_vocabulary_and_phrases(default_dict: Path) -> None:
    rule = load_rule("Test.Spell", {"extends": "spelling", "filters": ["[Zz]en\\w+"]})
    assert isinstance(rule, Spelling)
    rule.accept(["flooberg", "mea culpa"])
    text = "A dashbord, a Zentrics cloud, flooberg and mea culpa but culpa alone."
    assert [w for w, _, _ in rule.misspelled(text)] == ["dashbord", "culpa"]


def test_spelling_rule_dictionaries_and_dicpath(dict_dir: Path, tmp_path: Path) -> None:
    (dict_dir / "brand.aff").write_text("SET UTF-8\n", encoding="utf-8")
    (dict_dir / "brand.dic").write_text("1\nZentrix\n", encoding="utf-8")
    rule = load_rule(
        "Test.Spell",
        {"extends": "spelling", "dicpath": str(dict_dir), "dictionaries": ["brand"]},
    )
    assert isinstance(rule, Spelling)
    rule.configure(None, tmp_path)
    # only the named dictionary: 'cloud' is unknown without append
    assert [w for w, _, _ in rule.misspelled("Zentrix cloud")] == ["cloud"]
    appended = load_rule(
        "Test.Spell",
        {
            "extends": "spelling",
            "dicpath": str(dict_dir),
            "dictionaries": ["brand"],
            "append": True,
        },
    )
    assert isinstance(appended, Spelling)
    os.environ["BRANDBOT_DICTIONARY"] = str(dict_dir / "en_US.dic")
    try:
        assert appended.misspelled("Zentrix cloud") == []
    finally:
        del os.environ["BRANDBOT_DICTIONARY"]
    missing = load_rule("Test.Spell", {"extends": "spelling", "dicpath": "nowhere"})
    assert isinstance(missing, Spelling)
    with pytest.raises(Exception, match="unable to resolve dicpath"):
        missing.checker()


def _vale(cwd: Path, *args: str) -> tuple[int, str]:
    from bot.cli import main

    out = io.StringIO()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out):
            code = main(["vale", "--output=line", "--sort", *args])
    finally:
        os.chdir(old)
    return code, out.getvalue()


def test_brandbot_vale_spell_checks_with_vocabularies(default_dict: Path, tmp_path: Path) -> None:
    styles = tmp_path / "styles"
    vocab = styles / "config" / "vocabularies" / "Brand"
    vocab.mkdir(parents=True)
    (vocab / "accept.txt").write_text("Zentrix\n", encoding="utf-8")
    (vocab / "reject.txt").write_text("clowd\n", encoding="utf-8")
    (tmp_path / ".vale.ini").write_text(
        "StylesPath = styles\nVocab = Brand\n[*]\nBasedOnStyles = Vale\n", encoding="utf-8"
    )
    (tmp_path / "doc.md").write_text(
        "# Zentrix clouds\n\nOur zentrix dashbord lives in the clowd.\n", encoding="utf-8"
    )
    code, out = _vale(tmp_path, "doc.md")
    assert code == 1
    assert out.splitlines() == [
        "doc.md:3:5:Vale.Terms:Use 'Zentrix' instead of 'zentrix'.",
        "doc.md:3:13:Vale.Spelling:Did you really mean 'dashbord'?",
        "doc.md:3:35:Vale.Avoid:Avoid using 'clowd'.",
        "doc.md:3:35:Vale.Spelling:Did you really mean 'clowd'?",
    ]


GUIDE = """
name: Brightwave
competitors:
  - name: Acme
products:
  - name: Zentrix Cloud
    aliases: [ZenCloud]
preferred:
  - preferred: sign in
    variants: [login]
vocabularies:
  - vocab
"""


def test_brand_guide_spell_checks_names_and_vocabulary(default_dict: Path, tmp_path: Path) -> None:
    (tmp_path / "vocab").mkdir()
    (tmp_path / "vocab" / "accept.txt").write_text("flooberg\n", encoding="utf-8")
    (tmp_path / "vocab" / "reject.txt").write_text("cloudz\n", encoding="utf-8")
    guide_file = tmp_path / "guide.yml"
    guide_file.write_text(GUIDE, encoding="utf-8")
    guide = load_guide(guide_file)
    rules = compile_rules(guide)
    assert any(r.name == "Brand.Spelling" for r in rules)
    text = (
        "Brightwave stories: Zentrix Cloud walked, flooberg done, zentrix's Acme. "
        "Zentriks clowd cloudz."
    )
    alerts = [a for a in run_rules(rules, to_plain(text)) if a.check == "Brand.Spelling"]
    assert [a.matched for a in alerts] == ["Zentriks", "clowd", "cloudz"]
    assert alerts[0].suggestions[0] == "Zentrix"
    avoid = [a.matched for a in run_rules(rules, to_plain(text)) if a.check == "Vale.Avoid"]
    assert avoid == ["cloudz"]

    guide_file.write_text(GUIDE + "spelling: false\n", encoding="utf-8")
    assert not any(r.name == "Brand.Spelling" for r in compile_rules(load_guide(guide_file)))


def _guide_rules(folder: Path) -> list[Any]:
    """The rules of ``GUIDE`` written into ``folder`` with its vocabulary (accepts "flooberg")."""
    (folder / "vocab").mkdir()
    (folder / "vocab" / "accept.txt").write_text("flooberg\n", encoding="utf-8")
    guide_file = folder / "guide.yml"
    guide_file.write_text(GUIDE, encoding="utf-8")
    return list(compile_rules(load_guide(guide_file)))


def test_brand_spelling_leaves_other_peoples_names_alone(
    default_dict: Path, tmp_path: Path
) -> None:
    rules = _guide_rules(tmp_path)
    text = (
        "Clouds walked Kubernetes Mesos stories. Dashboards walked APIs iOS. "
        "Zentriks walked. Dashbord."
    )
    alerts = [a for a in run_rules(rules, to_plain(text)) if a.check == "Brand.Spelling"]
    # proper nouns and acronyms are names the dictionary cannot know; a near miss of the
    # guide's own product is still flagged, and so is a plain misspelling at a sentence start
    assert [a.matched for a in alerts] == ["Zentriks", "Dashbord"]


def test_a_multi_word_name_at_a_sentence_start_is_a_name(
    default_dict: Path, tmp_path: Path
) -> None:
    """An independent pass: "Priya Nair leads …" and "Tessel Coffee Roasters ships …" got
    spelling warnings, as the capital of a sentence's first word says nothing by itself."""
    rules = [r for r in _guide_rules(tmp_path) if r.name == "Brand.Spelling"]
    text = (
        "Priya Nair walked. Tessel Coffee Roasters walked. "
        "Teh Zentrix walked. Zentriks Pro walked. Dashbord walked."
    )
    # a typo before one of the guide's names, a near miss of one, a plain typo: still flagged
    assert [a.matched for a in run_rules(rules, to_plain(text))] == ["Teh", "Zentriks", "Dashbord"]


def test_a_name_met_once_is_a_name_in_the_whole_draft(default_dict: Path, tmp_path: Path) -> None:
    """An editor's pass: after "Priya Nair leads the team", "Priya joined in May." got a
    spelling warning (a sentence's first word, with no capitalised word after it)."""
    rules = [r for r in _guide_rules(tmp_path) if r.name == "Brand.Spelling"]
    text = "Priya walked. Priya Nair walked.\n\nPriya walked.\n\nDashbord walked. Dashbord walked."
    assert [a.matched for a in run_rules(rules, to_plain(text))] == ["Dashbord", "Dashbord"]


def test_brand_spelling_knows_everyday_software_and_business_words(
    default_dict: Path, tmp_path: Path
) -> None:
    rules = [r for r in _guide_rules(tmp_path) if r.name == "Brand.Spelling"]
    text = "Our roadmap and the rollout, the backend and the uptime. Onboarding. Teh rollut."
    assert [a.matched for a in run_rules(rules, to_plain(text))] == ["Teh", "rollut"]
    # realcopy-dev: "dev" (7 times), "addon" and "there'd" were flagged
    text = "The dev and the addon. There'd the devops, there’d the dvelopers."
    assert [a.matched for a in run_rules(rules, to_plain(text))] == ["dvelopers"]
    # developer-tool copy: tool names written lower-case, and possessives of known words
    text = (
        "Our npm lockfile and the monorepo, the etcd and the memcached backoff. "
        "Our runbook and the npm's dashboard's story. The dashbord's lokfile."
    )
    assert [a.matched for a in run_rules(rules, to_plain(text))] == ["dashbord's", "lokfile"]


def test_vale_spelling_keeps_vales_possessives(default_dict: Path, tmp_path: Path) -> None:
    """Only the guide's own rule reads "dashboard's" through "dashboard": a Vale style's
    ``spelling`` rule flags what Hunspell flags, as Vale does."""
    from analyzers.rules.spelling import Spelling

    rule = Spelling("Style.Spelling", {"extends": "spelling", "message": "%s"}, source="x.yml")
    brand = [r for r in _guide_rules(tmp_path) if r.name == "Brand.Spelling"]
    text = "The dashboard's story."
    assert [a.matched for a in run_rules([rule], to_plain(text))] == ["dashboard's"]
    assert [a.matched for a in run_rules(brand, to_plain(text))] == []


def test_lower_case_words_get_no_acronym_or_abbreviation_suggestions(tmp_path: Path) -> None:
    words = ["TB", "Th", "tb", "tech", "teth", "Paris", "parish", "NASA", "nasal", "IMO", "Tbilisi"]
    (tmp_path / "x.aff").write_text("SET UTF-8\n", encoding="utf-8")
    (tmp_path / "x.dic").write_text(f"{len(words)}\n" + "\n".join(words) + "\n", encoding="utf-8")
    checker = Checker([Dictionary.from_files(tmp_path / "x.aff", tmp_path / "x.dic")])
    assert checker.suggest("tbh") == []  # not "Th", "TB" (nor the two-letter "tb")
    assert sorted(checker.suggest("teh")) == ["tech", "teth"]
    assert checker.suggest("imo") == []
    assert checker.suggest("paris") == ["Paris", "parish"]  # a capital is the correction
    assert "NASA" not in checker.suggest("nasa") and "nasal" in checker.suggest("nasa")
    # a capitalised word still gets capitalised suggestions
    assert {"Tech", "Teth"} <= set(checker.suggest("Teh"))


def test_tbh_with_the_system_en_us_dictionary() -> None:
    try:
        aff, dic = hunspell.default_dictionary()
    except DictionaryError as exc:
        pytest.skip(str(exc))
    checker = Checker([Dictionary.from_files(aff, dic)])
    assert not checker.spell("tbh")
    assert checker.suggest("tbh") == []
    assert "receive" in checker.suggest("recieve")


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="$(\")[],!;.?:'aZMrUSe-x1 ", max_size=12))
def test_token_split_is_vales_loop(token: str) -> None:
    from analyzers.rules.spelling import _split

    assert _split(token) == hi.vale_split(token)


def test_a_long_run_of_punctuation_is_split_in_one_pass() -> None:
    """Vale's loop drops one character a step, each step re-scanning the token: 35,000 "!"
    after a word took 19 s of a review (an independent pass); the split is linear now."""
    assert words_with_offsets("Word" + "!" * 35_000 + " U.S.," + "." * 1000) == [
        ("Word", 0),
        ("U.S.", 35_005),
    ]


def test_suggestions_are_capped_per_block(
    monkeypatch: pytest.MonkeyPatch, default_dict: Path
) -> None:
    from analyzers.rules import spelling

    rule = load_rule("Test.Spell", {"extends": "spelling", "message": "'%s'?"})
    assert isinstance(rule, Spelling)
    rule.suggest = True  # as Brand.Spelling
    calls: list[str] = []
    real = rule.checker().suggest
    monkeypatch.setattr(rule.checker(), "suggest", lambda w: calls.append(w) or real(w))
    words = [f"zq{chr(97 + i // 26)}{chr(97 + i % 26)}x" for i in range(40)]
    alerts = run_rules([rule], to_plain(" ".join(words + words)))
    assert len(alerts) == 80  # every misspelling is still flagged ...
    assert len(calls) == spelling.MAX_SUGGESTED_WORDS  # ... suggestions for the first distinct 25


def test_a_guide_chooses_its_dictionaries(
    default_dict: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An independent pass on a European company's copy: all 11 spelling findings were British
    spellings ("colour", "centre", "tyres") or names; the guide could not choose a locale."""
    gb = tmp_path / "gb"
    gb.mkdir()
    (gb / "en_GB.aff").write_text(AFF, encoding="utf-8")
    (gb / "en_GB.dic").write_text("3\ncolour/S\ncentre/S\nwalk/D\n", encoding="utf-8")
    monkeypatch.setenv("DICPATH", str(gb))
    text = "Colours walked. Clouds walked."

    def flagged(spelling: str) -> list[str]:
        guide = tmp_path / f"guide-{len(spelling)}.yml"
        guide.write_text(f"name: Brightwave\nspelling: {spelling}\n", encoding="utf-8")
        rules = [r for r in compile_rules(load_guide(guide)) if r.name == "Brand.Spelling"]
        return [a.matched for a in run_rules(rules, to_plain(text))]

    assert flagged("true") == ["Colours"]  # en_US
    assert flagged("en_GB") == ["Clouds"]
    assert flagged("[en_GB, en_US]") == []  # either spelling
    # a dictionary this machine lacks is a guide error that says how to get it
    bad = tmp_path / "bad.yml"
    bad.write_text("name: Brightwave\nspelling: [en_GB, xx_YY, 'a b']\n", encoding="utf-8")
    with pytest.raises(GuideError) as err:
        load_guide(bad)
    said = str(err.value)
    assert "no Hunspell dictionary xx_YY is installed" in said and "hunspell-xx-yy" in said
    assert "expected a dictionary name such as en_GB, got 'a b'" in said
    # an empty list, or a nested one, is an error that reads (not the parser's internals)
    for value, want in [("[]", "an empty list names no dictionary"), ("[[en_GB]]", "got a list")]:
        bad.write_text(f"name: Brightwave\nspelling: {value}\n", encoding="utf-8")
        with pytest.raises(GuideError, match=re.escape(want)) as err:
            load_guide(bad)
        assert "_Node" not in str(err.value)
