"""Brand guide loading, validation errors, profiles, styles and rule compilation."""

from __future__ import annotations

import dataclasses
import importlib
import textwrap
from pathlib import Path
from typing import Any

import pytest
import regex

from analyzers.guide import (
    EMOTION_GROUPS,
    BrandGuide,
    GuideError,
    ToneTarget,
    default_guide_path,
    load_guide,
    parse_guide,
)
from analyzers.rules import load_rule, run_rules
from analyzers.text import to_plain
from analyzers.types import Category, Severity

EXAMPLE = default_guide_path()


def write(tmp_path: Path, text: str, name: str = "guide.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def load_error(tmp_path: Path, text: str) -> GuideError:
    path = write(tmp_path, text)
    with pytest.raises(GuideError) as info:
        load_guide(path)
    return info.value


def find(err: GuideError, key_path: str) -> GuideError:
    for e in err.errors:
        if e.key_path == key_path:
            return e
    raise AssertionError(f"no error for {key_path!r} in:\n{err}")


def assert_error(
    err: GuideError, key_path: str, line: int, *in_text: str, path: Path | None = None
) -> GuideError:
    """The error for key_path exists, names file, line, key path, and contains each fragment."""
    e = find(err, key_path)
    assert e.line == line, str(e)
    text = e.one_line()
    if path is not None:
        assert text.startswith(f"{path}:{line}: {key_path}: "), text
    for fragment in in_text:
        assert fragment in text, text
    assert e.hint, f"no hint in {text}"
    return e


# ---------------------------------------------------------------------------------------------
# The example guide


@pytest.fixture(scope="module")
def example() -> BrandGuide:
    return load_guide(EXAMPLE)


def test_example_guide_loads_completely(example: BrandGuide) -> None:
    g = example
    assert g.name == "Northwind Lumen"
    assert g.brand_names[0] == "Northwind Lumen"
    assert {p.name for p in g.products} >= {"LumaSync", "LumaVault", "Lumen Cloud"}
    assert any(p.preferred == "sign in" and "login" in p.variants for p in g.preferred)
    assert {"cheap", "revolutionary", "synergy"} <= {b.term for b in g.banned}
    assert all(b.reason for b in g.banned)
    brightline = next(c for c in g.competitors if c.name == "Brightline Systems")
    assert "BRTL" in brightline.tickers and "BRTL" in brightline.aliases
    assert len(g.voice.on_voice) >= 5 and len(g.voice.off_voice) >= 5
    assert isinstance(g.voice.formality, ToneTarget) and 0 <= g.voice.formality.target <= 1
    assert set(g.voice.emotions) <= set(EMOTION_GROUPS)
    assert g.limits.readability_grade and g.limits.max_sentence_words
    assert g.limits.max_exclamations is not None and g.limits.sentiment_floor is None
    # the floor is set only where copy must not read negative
    assert g.with_profile("launch").limits.sentiment_floor is not None
    assert g.with_profile("incident").voice.advice.startswith("Acknowledge")
    assert g.thresholds.alert_score < g.thresholds.pass_score
    assert set(g.weights) == {c.value for c in Category}
    assert any(c.term == "#1" for c in g.claims)
    assert {"social", "legal"} <= set(g.profiles)
    assert g.links["guide"].startswith("https://")
    assert g.source == EXAMPLE
    assert g.profile is None
    assert all(p.is_absolute() and p.is_dir() for p in (*g.styles, *g.vocabularies))
    assert [p.name for p in g.vocabularies] == ["Lumen"]


def test_guide_is_frozen(example: BrandGuide) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        example.name = "Other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        example.weights["tone"] = 3.0  # type: ignore[index]
    with pytest.raises(TypeError):
        example.voice.emotions["joy"] = ToneTarget(0.1)  # type: ignore[index]


def test_example_style_comes_from_shared_when_present(shared: Path, example: BrandGuide) -> None:
    # `${BRANDBOT_SHARED}/vale/styles/proselint` resolves to the folder that holds the rules
    assert any(p.name == "proselint" and any(p.glob("*.yml")) for p in example.styles)


def test_example_without_shared_only_warns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRANDBOT_SHARED", str(tmp_path / "absent"))
    g = load_guide(EXAMPLE)
    assert g.styles == ()
    assert len(g.warnings) == 1 and "proselint" in g.warnings[0]
    assert "optional" in g.warnings[0] and "styles[0].path" in g.warnings[0]


# ---------------------------------------------------------------------------------------------
# Validation errors: file, line, key path, hint


def test_unknown_key_suggests_nearest(tmp_path: Path) -> None:
    path = write(tmp_path, "name: Acme\nvoice:\n  formalty: 0.5\n")
    with pytest.raises(GuideError) as info:
        load_guide(path)
    e = info.value
    assert str(e) == f"{path}:3: voice.formalty: unknown key. Did you mean 'formality'?"
    assert (e.file, e.line, e.key_path, e.problem) == (
        str(path),
        3,
        "voice.formalty",
        "unknown key",
    )


def test_unknown_top_level_key_without_close_match_lists_known(tmp_path: Path) -> None:
    err = load_error(tmp_path, "name: Acme\nzzz: 1\n")
    assert_error(err, "zzz", 2, "unknown key", "Known keys:", "preferred")


def test_wrong_type_names_expected_type(tmp_path: Path) -> None:
    err = load_error(
        tmp_path,
        """
        name: Acme
        limits:
          max_sentence_words: twenty
          readability_grade: "8"
        banned:
          - term: yes
            reason: because
        """,
    )
    assert_error(err, "limits.max_sentence_words", 3, "expected a whole number", "'twenty'")
    assert_error(err, "limits.readability_grade", 4, "expected a number", "remove the quotes")
    assert_error(err, "banned[0].term", 6, "expected a string", "quote it")


def test_out_of_range_numbers(tmp_path: Path) -> None:
    err = load_error(
        tmp_path,
        """
        name: Acme
        voice:
          formality: 1.5
          confidence: {target: 0.5, tolerance: -0.1}
        limits:
          sentiment_floor: -3
          max_exclamations: 2.5
        thresholds: {pass_score: 120}
        weights: {tone: -1}
        """,
    )
    assert_error(err, "voice.formality", 3, "1.5 is out of range", "between 0 and 1")
    assert_error(err, "voice.confidence.tolerance", 4, "out of range")
    assert_error(err, "limits.sentiment_floor", 6, "between -1 and 1")
    assert_error(err, "limits.max_exclamations", 7, "whole number")
    assert_error(err, "thresholds.pass_score", 8, "120 is out of range", "between 0 and 100")
    assert_error(err, "weights.tone", 9, "out of range")


def test_alert_above_pass_and_bad_severity_and_emotion(tmp_path: Path) -> None:
    err = load_error(
        tmp_path,
        """
        name: Acme
        thresholds: {pass_score: 40, alert_score: 60}
        banned:
          - term: cheap
            reason: undercuts us
            severity: eror
        voice:
          avoid_emotions: [angr]
          emotions: {joyy: 0.5}
        weights: {termnology: 2}
        """,
    )
    assert_error(err, "thresholds.alert_score", 2, "above pass_score")
    assert_error(err, "banned[0].severity", 6, "unknown severity", "Did you mean 'error'?")
    assert_error(err, "voice.avoid_emotions[0]", 8, "unknown emotion", "Did you mean 'anger'?")
    assert_error(err, "voice.emotions.joyy", 9, "unknown key", "Did you mean 'joy'?")
    assert_error(err, "weights.termnology", 10, "Did you mean 'terminology'?")


def test_duplicate_keys(tmp_path: Path) -> None:
    err = load_error(
        tmp_path,
        """
        name: Acme
        limits:
          max_exclamations: 1
          max_exclamations: 3
        """,
    )
    assert_error(err, "limits.max_exclamations", 4, "duplicate key", "line 3")


def test_variant_under_two_preferred_terms(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        name: Acme
        preferred:
          - preferred: sign in
            variants: [login, log in]
          - preferred: sign on
            variants: [Login]
        """,
    )
    with pytest.raises(GuideError) as info:
        load_guide(path)
    assert_error(
        info.value,
        "preferred[1].variants[0]",
        6,
        "listed under two preferred terms",
        "'sign in' (line 4)",
        path=path,
    )


def test_banned_term_that_is_preferred_or_a_variant(tmp_path: Path) -> None:
    err = load_error(
        tmp_path,
        """
        name: Acme
        preferred:
          - preferred: customers
            variants: [users]
        banned:
          - term: Customers
            reason: x
          - term: users
            reason: y
        """,
    )
    assert_error(err, "banned[0].term", 6, "also a preferred term")
    assert_error(err, "banned[1].term", 8, "variant of preferred term 'customers'", "line 4")


def test_preferred_term_that_is_another_variant(tmp_path: Path) -> None:
    err = load_error(
        tmp_path,
        """
        name: Acme
        preferred:
          - preferred: use
            variants: [utilize]
          - preferred: utilize
            variants: [leverage]
        """,
    )
    assert_error(err, "preferred[1].preferred", 5, "also a variant of 'use'")


def test_missing_required_keys(tmp_path: Path) -> None:
    err = load_error(
        tmp_path,
        """
        voice: {}
        banned:
          - term: cheap
        preferred:
          - preferred: sign in
        """,
    )
    assert_error(err, "name", 1, "missing required key 'name'")
    assert_error(err, "banned[0].reason", 3, "missing required key 'reason'")
    assert_error(err, "preferred[0].variants", 5, "missing required key 'variants'")


def test_unquoted_hash_and_colon_get_quoting_hints(tmp_path: Path) -> None:
    err = load_error(
        tmp_path,
        """
        name: Acme
        claims:
          - #1
        voice:
          on_voice:
            - Save energy: lights dim when rooms are empty.
        """,
    )
    assert_error(err, "claims[0]", 3, "empty entry", '"#1"')
    assert_error(err, "voice.on_voice[0]", 6, "expected a string", "quotes")


def test_invalid_yaml_syntax_names_line(tmp_path: Path) -> None:
    path = write(tmp_path, "name: Acme\nvoice:\n  on_voice: [a, b\n  formality: 1\n")
    with pytest.raises(GuideError) as info:
        load_guide(path)
    e = info.value
    assert e.file == str(path) and e.line == 4
    assert "invalid YAML" in str(e) and e.hint and "indentation" in e.hint


def test_invalid_regex_is_reported(tmp_path: Path) -> None:
    err = load_error(
        tmp_path,
        """
        name: Acme
        claims:
          - term: '(unclosed'
            regex: true
            reason: x
        """,
    )
    assert_error(err, "claims[0].term", 3, "invalid regular expression")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("- a\n- b\n", "must be a mapping"),
        ("just text\n", "must be a mapping"),
    ],
)
def test_degenerate_documents(text: str, fragment: str) -> None:
    with pytest.raises(GuideError) as info:
        parse_guide(text, source="g.yaml")
    assert fragment in str(info.value)
    assert str(info.value).startswith("g.yaml")


def test_missing_file_and_bad_bytes(tmp_path: Path) -> None:
    with pytest.raises(GuideError, match="file not found"):
        load_guide(tmp_path / "nope.yaml")
    with pytest.raises(GuideError, match="is a folder"):
        load_guide(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"name: Acme\nvoice: \xff\xfe\n")
    with pytest.raises(GuideError) as info:
        load_guide(bad)
    assert info.value.line == 2 and "UTF-8" in str(info.value)


def test_several_errors_are_collected_and_sorted(tmp_path: Path) -> None:
    err = load_error(
        tmp_path,
        """
        name: Acme
        limits: {max_exclamations: -1}
        voice: {formalty: 0.5}
        """,
    )
    assert len(err.errors) == 2
    assert [e.line for e in err.errors] == [2, 3]
    assert str(err).count("\n") == 1  # one line per error
    assert err.key_path == "limits.max_exclamations"  # attributes describe the first


def test_broken_guide_never_half_loads(tmp_path: Path) -> None:
    # one bad value deep inside a profile is enough to refuse the whole guide
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "      max_exclamations: 3", "      max_exclamations: many"
    )
    assert "many" in text
    path = write(tmp_path, text, "brand-guide.yaml")
    (tmp_path / "vocabularies").symlink_to(EXAMPLE.parent / "vocabularies")
    with pytest.raises(GuideError) as info:
        load_guide(path)
    assert [e.key_path for e in info.value.errors] == ["profiles.social.limits.max_exclamations"]


# ---------------------------------------------------------------------------------------------
# Profiles and channels


def test_profiles_inherit_and_override(example: BrandGuide) -> None:
    social = example.with_profile("social")
    assert social.profile == "social"
    assert social.name == example.name and social.products == example.products
    # mappings merge key by key: tolerance inherited, target overridden
    assert example.voice.formality is not None and social.voice.formality is not None
    assert social.voice.formality.target == 0.35
    assert social.voice.formality.tolerance == example.voice.formality.tolerance
    assert social.voice.confidence == example.voice.confidence
    assert social.limits.max_exclamations == 3
    assert social.limits.sentiment_floor == example.limits.sentiment_floor
    # list edits: extend appends, remove drops by identity
    assert social.voice.on_voice[: len(example.voice.on_voice)] == example.voice.on_voice
    assert len(social.voice.on_voice) == len(example.voice.on_voice) + 1
    assert "crazy" not in {b.term for b in social.banned}
    assert "crazy" in {b.term for b in example.banned}

    legal = example.with_profile("legal")
    assert legal.limits.max_exclamations == 0
    assert legal.voice.emotions == {}  # null resets to the default
    assert legal.claims[-1].term == "lifetime" and len(legal.claims) == len(example.claims) + 1
    investors = example.with_profile("investors")
    assert "Helio Grid" not in {c.name for c in investors.competitors}
    assert investors.thresholds.pass_score == 85
    # profiles do not stack, and a profile guide leads back to the base
    assert social.with_profile("legal") == legal
    assert social.base is example


def test_unknown_profile_names_available(example: BrandGuide) -> None:
    with pytest.raises(GuideError) as info:
        example.with_profile("socail")
    assert "Did you mean 'social'?" in str(info.value)
    assert "legal" in str(info.value)


def test_channel_mapping(example: BrandGuide) -> None:
    assert example.profile_for_channel("C999", "social-media") == "social"
    assert example.profile_for_channel("C999", "#Community") == "social"
    assert example.profile_for_channel("C04LEGAL42") == "legal"
    assert example.profile_for_channel("C999", "random") is None
    assert example.profile_for_channel("C999") is None


def test_profile_errors_point_into_the_profile(tmp_path: Path) -> None:
    err = load_error(
        tmp_path,
        """
        name: Acme
        banned:
          - term: cheap
            reason: x
        profiles:
          social:
            limits: {max_exclamation: 3}
            voice: {formality: 2}
            colour: blue
          legal:
            channels: {}
            banned:
              remove: [cheep]
        channels:
          "#x": socail
        """,
    )
    assert_error(
        err, "profiles.social.limits.max_exclamation", 7, "Did you mean 'max_exclamations'?"
    )
    assert_error(err, "profiles.social.voice.formality", 8, "out of range")
    assert_error(err, "profiles.social.colour", 9, "unknown key")
    assert_error(err, "profiles.legal.channels", 11, "cannot override 'channels'")
    assert_error(err, "profiles.legal.banned.remove[0]", 13, "Did you mean 'cheap'?")
    assert_error(err, "channels.#x", 15, "unknown profile 'socail'", "Did you mean 'social'?")


def test_profile_cross_checks_see_merged_lists(tmp_path: Path) -> None:
    err = load_error(
        tmp_path,
        """
        name: Acme
        preferred:
          - preferred: customers
            variants: [users]
        profiles:
          social:
            banned:
              extend:
                - term: users
                  reason: x
        """,
    )
    assert_error(err, "profiles.social.banned.extend[0].term", 9, "variant of preferred")


def test_profile_list_replaces_base(tmp_path: Path) -> None:
    g = parse_guide(
        textwrap.dedent(
            """
            name: Acme
            banned:
              - {term: cheap, reason: x}
              - {term: awesome, reason: y}
            profiles:
              kids:
                banned:
                  - {term: scary, reason: z}
            """
        )
    )
    assert [b.term for b in g.banned] == ["cheap", "awesome"]
    assert [b.term for b in g.with_profile("kids").banned] == ["scary"]
    assert g.profiles["kids"]["banned"][0]["term"] == "scary"  # raw overrides, frozen


# ---------------------------------------------------------------------------------------------
# styles: paths, env expansion, optional


def make_style(root: Path, name: str, nested: bool) -> Path:
    folder = root / name / name if nested else root / name
    folder.mkdir(parents=True)
    (folder / "Rule.yml").write_text("extends: existence\nmessage: x\ntokens: [x]\n")
    return folder


def test_styles_env_expansion_and_nested_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared"
    folder = make_style(shared / "vale" / "styles", "write-good", nested=True)
    local = make_style(tmp_path, "Local", nested=False)
    monkeypatch.setenv("BRANDBOT_SHARED", str(shared))
    monkeypatch.setenv("MY_STYLES", str(tmp_path))
    path = write(
        tmp_path,
        """
        name: Acme
        styles:
          - ${BRANDBOT_SHARED}/vale/styles/write-good
          - path: ${MY_STYLES}/Local
          - ./Local
          - path: ${UNSET_BRANDBOT_VAR:-.}/Local
        """,
    )
    g = load_guide(path)
    assert g.styles == (folder.resolve(), local.resolve())  # deduplicated, absolute
    assert g.warnings == ()


def test_missing_styles_error_unless_optional(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("UNSET_BRANDBOT_VAR", raising=False)
    err = load_error(
        tmp_path,
        """
        name: Acme
        styles:
          - ./missing
          - ${UNSET_BRANDBOT_VAR}/x
          - path: ./missing
            optional: true
        vocabularies:
          - .
        """,
    )
    assert_error(err, "styles[0]", 3, "does not exist", "optional: true")
    assert_error(err, "styles[1]", 4, "UNSET_BRANDBOT_VAR is not set")
    assert_error(err, "vocabularies[0]", 8, "accept.txt")
    assert len(err.errors) == 3  # the optional one is only a warning

    path = write(
        tmp_path, "name: Acme\nstyles:\n  - {path: ./missing, optional: true}\n", "ok.yaml"
    )
    g = load_guide(path)
    assert g.styles == ()
    assert g.warnings and "does not exist" in g.warnings[0] and "ok.yaml:3" in g.warnings[0]


def test_a_path_never_shows_a_variables_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hostile pass: `styles: [{path: /opt/${BRANDBOT_DATABASE_URL}}]` printed the database
    password in the guide error (and, optional, in a warning logged at every reload)."""
    secret = "postgresql://brandbot:Pa55word@db/brand"
    monkeypatch.setenv("BRANDBOT_DATABASE_URL", secret)
    err = load_error(tmp_path, "name: Acme\nstyles:\n  - /opt/${BRANDBOT_DATABASE_URL}\n")
    assert "Pa55word" not in str(err) and "${BRANDBOT_DATABASE_URL}" in str(err)
    assert "does not exist" in str(err)
    path = write(
        tmp_path,
        "name: Acme\nvocabularies:\n  - {path: '${BRANDBOT_DATABASE_URL}/v', optional: true}\n",
        "warn.yaml",
    )
    g = load_guide(path)
    assert g.warnings and not any("Pa55word" in w for w in g.warnings)


def test_a_path_too_long_to_check_is_an_error_without_the_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hostile pass: a 308-character API key in `${...}` made a path component too long;
    `Path.exists` raised, and the traceback printed the key."""
    secret = "sk-live-" + "S3cr3t" * 50
    monkeypatch.setenv("SECRET_API_KEY", secret)
    err = load_error(tmp_path, "name: Acme\nstyles:\n  - /opt/${SECRET_API_KEY}\n")
    assert "S3cr3t" not in str(err) and "${SECRET_API_KEY}" in str(err)
    assert "cannot be read" in str(err)
    path = write(
        tmp_path,
        "name: Acme\nvocabularies:\n  - {path: '/opt/${SECRET_API_KEY}', optional: true}\n",
        "warn.yaml",
    )
    g = load_guide(path)
    assert g.warnings and not any("S3cr3t" in w for w in g.warnings)


def test_relative_paths_start_at_the_guide(tmp_path: Path) -> None:
    style = make_style(tmp_path / "styles", "House", nested=False)
    sub = tmp_path / "conf"
    sub.mkdir()
    g = load_guide(write(sub, "name: Acme\nstyles: [../styles/House]\n"))
    assert g.styles == (style.resolve(),)


# ---------------------------------------------------------------------------------------------
# Terminology -> Vale rule dicts


@pytest.fixture(scope="module")
def rules(example: BrandGuide) -> dict[str, dict[str, Any]]:
    return dict(example.rule_definitions())


def term_entries(rules: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The terms bundled in the guide's ``brand-terms`` rules, by their own rule names."""
    return {
        t["name"]: t for r in rules.values() if r["extends"] == "brand-terms" for t in r["terms"]
    }


def test_rule_names_are_unique_vale_names(example: BrandGuide) -> None:
    names = [n for n, _ in example.rule_definitions()]
    names += list(term_entries(dict(example.rule_definitions())))
    assert len(names) == len(set(names))
    assert all(regex.fullmatch(r"Brand\.\w+", n) for n in names), names


def test_every_rule_is_a_vale_rule_with_category(rules: dict[str, dict[str, Any]]) -> None:
    levels = {s.value for s in Severity}
    categories = {c.value for c in Category}
    for name, rule in rules.items():
        kinds = {"existence", "substitution", "occurrence", "metric", "brand-terms", "brand-claims"}
        assert rule["extends"] in kinds, name
        level = rule.get("level") if rule["extends"] != "brand-terms" else "error"  # per term
        assert level in levels and rule["category"] in categories, name
        assert "%s" in rule["message"] or rule["extends"] == "occurrence", name
        assert rule.get("link", "https://").startswith("https://"), name
        for pattern in [
            *rule.get("tokens", ()),
            *rule.get("swap", {}),
            *rule.get("exceptions", ()),
            *rule.get("extra", ()),
            *rule.get("defer", ()),
        ]:
            regex.compile(pattern)
        for term in rule.get("terms", ()):
            assert term["level"] in levels and "%s" in term["message"], term["name"]
            assert term["forms"] and term.get("link", "https://").startswith("https://")
        if "token" in rule:
            regex.compile(rule["token"])


def test_preferred_rules(example: BrandGuide, rules: dict[str, dict[str, Any]]) -> None:
    preferred = [r for n, r in rules.items() if n.startswith("Brand.Preferred")]
    assert len(preferred) == len(example.preferred)
    sign_in = rules["Brand.Preferred_SignIn"]
    assert sign_in["extends"] == "substitution" and sign_in["ignorecase"] is True
    assert sign_in["swap"]["log in"] == "sign in" and sign_in["swap"]["login"] == "sign in"
    # inflected variants suggest the preferred term in the same form
    assert sign_in["swap"]["logged in"] == "signed in"
    assert rules["Brand.Preferred_Use"]["swap"]["utilized"] == "used"
    assert sign_in["message"].startswith("Use '%s' instead of '%s'.")
    assert "everywhere in the product" in sign_in["message"]  # the reason
    assert sign_in["category"] == "terminology" and sign_in["level"] == "warning"
    assert rules["Brand.Preferred_SetUp"]["level"] == "suggestion"


def test_banned_rules(rules: dict[str, dict[str, Any]]) -> None:
    bundle = rules["Brand.Banned"]
    assert bundle["extends"] == "brand-terms" and bundle["category"] == "terminology"
    terms = term_entries(rules)
    cheap = terms["Brand.Banned_Cheap"]
    assert cheap["forms"] == ["cheap", "cheaper", "cheapest"]
    assert cheap["level"] == "error"
    assert "premium positioning" in cheap["message"]
    assert cheap["suggestions"] == ["affordable", "good value"]
    assert terms["Brand.Banned_Synergy"]["level"] == "warning"


def _swap_hits(rule: dict[str, Any], text: str) -> list[tuple[str, str]]:
    """Apply a substitution rule the way Vale does (whole words, skip matches equal to swap)."""
    hits = []
    flags = regex.IGNORECASE if rule.get("ignorecase") else 0
    exceptions = [regex.compile(e, flags) for e in rule.get("exceptions", ())]
    for pattern, expected in rule["swap"].items():
        for m in regex.finditer(rf"\b(?:{pattern})\b", text, flags):
            observed = m.group(0)
            same = regex.fullmatch(expected, observed, flags)
            if not same and not any(e.search(observed) for e in exceptions):
                hits.append((observed, expected))
    return hits


def test_product_casing_rule(rules: dict[str, dict[str, Any]]) -> None:
    products = rules["Brand.Products"]
    assert products["extends"] == "substitution" and products["ignorecase"] is False
    text = (
        "Try lumasync, Lumasync or Luma Sync with LumaSync. Lumen cloud and LUMAVAULT too, "
        "but not Lumen Cloud or LumaVault. The Luma Safe app is now LumaVault. Northwind rocks."
    )
    hits = _swap_hits(products, text)
    assert sorted(hits) == sorted(
        [
            ("lumasync", "LumaSync"),
            ("Lumasync", "LumaSync"),
            ("Luma Sync", "LumaSync"),
            ("Lumen cloud", "Lumen Cloud"),
            ("LUMAVAULT", "LumaVault"),
            ("Luma Safe", "LumaVault"),
        ]
    )


def test_product_casing_leaves_handles_hashtags_and_addresses_alone(
    rules: dict[str, dict[str, Any]],
) -> None:
    """An @handle, a #hashtag, an e-mail address or a web address is an identifier its owner
    spelled; the casing rule speaks only to names in prose (the real rule, as the reviewer runs
    it)."""
    from analyzers.rules import load_rule, run_rules
    from analyzers.text import to_plain

    rule = load_rule("Brand.Products", rules["Brand.Products"])
    text = (
        "Tag @northwindlumen, follow #lumasync, mail dana@northwind.example or visit "
        "https://lumasync.example/northwind and lumasync.example today."
    )
    assert run_rules([rule], to_plain(text)) == []
    prose = "Our lumasync app. The northwind-branded hub, lumasync. Try luma sync!"
    hits = [a.matched for a in run_rules([rule], to_plain(prose))]
    assert hits == ["lumasync", "northwind", "lumasync", "luma sync"]


def test_claim_rules_match_non_word_terms(rules: dict[str, dict[str, Any]]) -> None:
    from analyzers.rules import load_rule, run_rules
    from analyzers.text import to_plain

    claims = rules["Brand.Claims"]
    assert claims["extends"] == "brand-terms" and claims["category"] == "style"
    rule = load_rule("Brand.Claims", claims)
    hits = [a.matched for a in run_rules([rule], to_plain("We are the #1 choice."))]
    assert hits == ["#1"]
    assert run_rules([rule], to_plain("issue #12 and a#1")) == []
    better = rules["Brand.Claims_BetterThan"]
    assert regex.search(rf"\b(?:{better['tokens'][0]})\b", "far better than Photonix", regex.I)
    assert "%%" in rules["Brand.Claims_100Uptime"]["message"]  # printf percent


def test_limit_rules(rules: dict[str, dict[str, Any]], example: BrandGuide) -> None:
    grade = rules["Brand.Readability"]
    assert grade["extends"] == "metric" and grade["condition"] == "> 9"
    assert grade["formula"] == (
        "((0.39 * (words / sentences)) + (11.8 * (syllables / words)) - 15.59) * (words >= 30)"
    )
    length = rules["Brand.SentenceLength"]
    assert (length["extends"], length["scope"], length["max"]) == ("occurrence", "sentence", 25)
    # the long sentence is underlined whole, and the message counts its words
    sentence = "Then " + " ".join(["word"] * 29) + "."
    (alert,) = run_rules(
        [load_rule("Brand.SentenceLength", length)], to_plain(f"Hi. {sentence} Bye.")
    )
    assert alert.matched == sentence
    assert alert.message.endswith("(this one has 30).")
    assert regex.findall(length["token"], "Five words in this sentence.") == [
        "Five",
        "words",
        "in",
        "this",
        "sentence",
    ]
    bang = rules["Brand.Exclamation"]
    assert (bang["extends"], bang["scope"], bang["token"], bang["max"]) == (
        "occurrence",
        "text",
        "!",
        1,
    )
    # max 0 becomes an existence rule that flags every '!'
    legal = dict(example.with_profile("legal").rule_definitions())["Brand.Exclamation"]
    assert legal["extends"] == "existence" and legal["tokens"] == ["!"] and legal["nonword"]
    assert (
        dict(example.with_profile("legal").rule_definitions())["Brand.Readability"]["condition"]
        == "> 12"
    )


def test_no_rules_for_empty_guide() -> None:
    g = parse_guide("name: Acme\n")
    assert [n for n, _ in g.rule_definitions()] == ["Brand.Products", "Brand.ClaimCheck"]
    off = parse_guide("name: Acme\nclaim_checks: {superlatives: false, absolutes: false}\n")
    assert [n for n, _ in off.rule_definitions()] == ["Brand.Products"]
    assert g.weights == {c.value: 1.0 for c in Category}


def test_compiled_rules_load_in_the_engine(example: BrandGuide) -> None:
    try:
        rules_mod = importlib.import_module("analyzers.rules")
    except ImportError:
        pytest.skip("analyzers.rules is not there yet")
    load_rule = getattr(rules_mod, "load_rule", None)
    if load_rule is None:
        pytest.skip("analyzers.rules.load_rule is not there yet")
    for profile in (None, "social", "legal", "investors"):
        guide = example if profile is None else example.with_profile(profile)
        for name, data in guide.rule_definitions():
            assert load_rule(name, data) is not None, name


def test_compiled_rules_fire_in_the_engine(example: BrandGuide) -> None:
    try:
        from analyzers.rules import load_rule, run_rules
        from analyzers.text import to_plain
    except ImportError:
        pytest.skip("analyzers.rules is not there yet")
    rules = [load_rule(n, d) for n, d in example.rule_definitions()]
    bad = (
        "Login to lumasync today! Our cheap Luma Safe is the #1 choice and better than most. "
        "Users love it! We offer 100% uptime, and Lumen cloud never fails. If you want to "
        "setup your lights, please read the very long and winding guide that explains every "
        "single configuration option in considerable and exhausting and tiring detail. "
        "Comprehensive interoperability considerations necessitate organizational "
        "reconfiguration."
    )
    fired = {a.check for a in run_rules(rules, to_plain(bad))}
    for name in (
        "Brand.Preferred_SignIn",
        "Brand.Preferred_Customers",
        "Brand.Preferred_SetUp",
        "Brand.Banned_Cheap",
        "Brand.Products",
        "Brand.Claims_1",
        "Brand.Claims_100Uptime",
        "Brand.Claims_BetterThan",
        "Brand.Claims_NeverFailsBreaks",
        "Brand.SentenceLength",
        "Brand.Exclamation",
        "Brand.Readability",
    ):
        assert name in fired, name
    good = "LumaSync and Lumen Cloud keep LumaVault backups safe. Northwind Lumen builds them."
    assert run_rules(rules, to_plain(good)) == []


def test_sample_drafts_cover_every_guide_rule(example: BrandGuide) -> None:
    try:
        from analyzers.rules import load_rule, run_rules
        from analyzers.text import to_plain
        from analyzers.types import SourceFormat
    except ImportError:
        pytest.skip("analyzers.rules is not there yet")
    rules = [load_rule(n, d) for n, d in example.rule_definitions()]
    drafts = sorted((EXAMPLE.parent / "drafts").iterdir())
    assert 6 <= len(drafts) <= 10
    fired: dict[str, set[str]] = {}
    for path in drafts:
        fmt = (
            SourceFormat.MRKDWN
            if path.name.endswith(".mrkdwn.txt")
            else SourceFormat.MARKDOWN
            if path.suffix == ".md"
            else SourceFormat.PLAIN
        )
        alerts = run_rules(rules, to_plain(path.read_text(encoding="utf-8"), fmt))
        fired[path.name] = {a.check.split("_")[0] for a in alerts}
    everything = set().union(*fired.values())
    expected = {n.split("_")[0] for n, _ in example.rule_definitions()}
    assert expected <= everything, expected - everything
    clean = [name for name, checks in fired.items() if not checks]
    assert len([n for n in clean if "good" in n]) >= 2, fired
    assert all("bad" not in n and "wordy" not in n for n in clean), fired


def test_guides_are_hashable(example: BrandGuide) -> None:
    cache = {example: 1, example.with_profile("social"): 2}
    assert cache[load_guide(EXAMPLE)] == 1
    assert hash(example.voice) == hash(load_guide(EXAMPLE).voice)


def test_cross_checks_point_at_the_right_entry_after_a_broken_one(tmp_path: Path) -> None:
    err = load_error(
        tmp_path,
        """
        name: Acme
        preferred:
          - preferred: customers
            variants: [users]
        banned:
          - reason: no term here
          - term: users
            reason: y
        competitors:
          - name: Acme
        """,
    )
    assert_error(err, "banned[0].term", 6, "missing required key 'term'")
    assert_error(err, "banned[1].term", 7, "variant of preferred term 'customers'", "line 4")
    assert_error(err, "competitors[0].name", 10, "also one of our brand or product names")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("name: x\nbrand_names: &a [*a]\n", "alias refers to itself"),
        ("name: x\nbrand_names: " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
        ("name: !!python/object:os.system x\n", "could not determine a constructor"),
        (
            "name: x\na: &a [x,x,x,x,x,x,x,x,x,x]\n"
            + "".join(
                f"{c}: &{c} [{','.join(['*' + p] * 10)}]\n"
                for p, c in zip("abcdefgh", "bcdefghi", strict=True)
            ),
            "expands to more than",
        ),
    ],
)
def test_hostile_yaml_is_refused_cleanly(text: str, fragment: str) -> None:
    with pytest.raises(GuideError, match=fragment):
        parse_guide(text, source="hostile.yaml")
