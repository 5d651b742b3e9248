"""Vale's own conformance suite, replayed against ``brandbot vale``.

Every scenario of ``../shared/vale/vale-testdata/features/*.feature`` is one test id. The steps
are emulated as in Vale's ``steps.rb`` (``vale --output=line --sort --normalize --relative
--no-global`` in a fixture folder) and run in-process through ``bot.cli.main``; the output must
match exactly. Scenarios that brandbot does not reproduce (fixture files the testdata lacks,
DITA / XML converters, go-org's reading of Org markup, Tengo scripts, packages, POS tagging,
templates, dictionary differences between Debian's en_US and Vale's built-in en_US-web) are
listed in
``EXPECTED_FAILURES`` with a reason; they are strict xfails, so a scenario that starts passing
must be removed from the table. Scenarios that need a system package that ``scripts/setup``
installs (``REQUIRES``: the Hunspell en_US dictionary, asciidoctor, pandoc) are skipped, with that
reason, where it is missing; docs/vale.md lists the table in prose.

Where a reason says that the Markdown / text / HTML lines of a failing scenario pass, its table
entry carries a ``passes: EXT...`` line and ``test_scenario_supported_inputs`` checks that claim:
the scenario runs as usual, the expected and actual output are cut to the lines of files with those
extensions (``except RULE`` drops a rule brandbot lacks, e.g. ``Vale.Spelling``), and they must be
equal. It is a plain test, so a regression in the supported formats fails the suite.

Reproduce the count with ``pytest tests/test_vale_conformance.py -q -rA | tail`` or
``python -m tests.vale_features``.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from vale_features import Unsupported, expected_lines, load_scenarios, run_scenario

from analyzers.paths import shared_dir

TESTDATA = shared_dir() / "vale" / "vale-testdata"

# scenario id, then (indented) why brandbot does not reproduce Vale's output for it, then
# optionally (indented) ``passes: EXT... [except RULE...]``: the claim that the expected and actual
# lines of files with those extensions (minus the named rules' lines) are equal, which
# ``test_scenario_supported_inputs`` checks.
_TABLE = """
CLI:Lint with a custom output format (line)
    the testdata lacks the template line.tmpl (fixtures/templates holds only test.md and
    test2.md); Go text/template output is not implemented either: no maintained Python
    implementation of Go's text/template exists to run Vale's templates as written
CLI:Lint a file and a directory
    the testdata lacks fixtures/formats/subdir1; the test.json lines pass
    passes: .json
CLI:Lint 2 directories
    the testdata lacks fixtures/formats/subdir1 and subdir2
CLI:Lint 3 files
    the testdata lacks fixtures/formats/test.cc; the test.json and test.txt lines pass
    passes: .json .txt
CLI:Pipe Python input
    the testdata lacks fixtures/formats/test.py (and code-comment parsing is not Vale's)
CLI:Filter --minAlertLevel
    the testdata lacks the filter file fixtures/filters/min.expr
CLI:Filter by single scope
    the testdata lacks the filter file fixtures/filters/scope.expr
CLI:Filter by multiple levels
    the testdata lacks the filter file fixtures/filters/levels.expr
CLI:Filter by extends
    the testdata lacks the filter file fixtures/filters/extends.expr
CLI:Script-computed suggestions
    the testdata lacks the Tengo script CamelToSnake.tengo that fixtures/actions/script.json
    names; `vale fix` and Tengo scripts are not implemented either
checks:Script
    the testdata lacks the rules it enables (styles/Checks/ScriptRE.yml, the Scripts style);
    Tengo `script` rules are not implemented either
checks:Spelling
    'オプション' is flagged (Vale does not flag it; cause not found in Vale's source);
    'Webhooks' (test.md), 'stylesheet' and 'quickstart' (test.org) are not in Debian's en_US
    (Vale's en_US-web knows them)
checks:Sequence
    `sequence` rules need a part-of-speech tagger (not implemented)
config:External config (direct)
    demo.Reading reports grade 7.86 where Vale reports nothing (readability differs)
config:External config
    demo.Reading reports grade 7.86 where Vale reports nothing (readability differs)
config:Test a glob
    the testdata lacks fixtures/formats/test.py and test.cc
fragments:Code -> Markup
    Markdown inside source-code comments (fragments) is not implemented; no test.cc/.go/.py
frontmatter:Markup with frontmatter
    one line differs: Vale reports the 'TODO' of test.rst line 43 at 56:19 (its text search
    finds the word in a later literal block); brandbot reports it where it is, 43:45
    passes: .md .adoc
lint:Lint a CSS file
    the testdata lacks fixtures/formats/test.css
lint:Lint a Julia file
    the testdata lacks fixtures/formats/test.jl
lint:Lint a Java file
    the testdata lacks fixtures/formats/test.java
lint:Lint a proto file
    the testdata lacks fixtures/formats/test.proto
lint:Lint a DITA file
    DITA needs the DITA Open Toolkit's `dita` command (Vale runs `dita -f html5`); Debian's
    dita-ot package is version 1.5.3; not supported
lint:Lint an XML file
    the testdata lacks the XSLT Transform that fixtures/formats/.vale.ini names
    (fixtures/XSL/docbook-xsl-snapshot); XML through xsltproc is not implemented either
lint:Lint a Python file
    the testdata lacks fixtures/formats/test.py
lint:Lint a C++ file
    the testdata lacks fixtures/formats/test.cc
lint:Lint a Clojure file
    the testdata lacks fixtures/formats/test.clj
lint:Lint a JSX file
    the testdata lacks fixtures/formats/test.jsx
lint:Lint a Rust file
    the testdata lacks fixtures/formats/test.rs
lint:Lint an R file
    the testdata lacks fixtures/formats/test.r
lint:Lint a PHP file
    the testdata lacks fixtures/formats/test.php
lint:Lint a PowerShell file
    the testdata lacks fixtures/formats/test.ps1
lint:Lint a Lua file
    the testdata lacks fixtures/formats/test.lua
lint:Lint a Haskell file
    the testdata lacks fixtures/formats/test.hs
lint:Lint a TypeScript file
    the testdata lacks fixtures/formats/test.ts
lint:Lint a Ruby file
    the testdata lacks fixtures/formats/test.rb
misc:Unicode
    the testdata lacks misc/unicode/test.py, whose alert the expected output names; the
    test.rst and test.txt lines pass
    passes: .rst .txt
misc:Duplicate matches
    [dictionary] 'ok' in test.adoc is not in Debian's en_US (Vale's en_US-web knows it); the
    test.md lines pass
    passes: .md
patterns:Markdown
    [dictionary] 'backtick' is not in Debian's en_US (Vale's en_US-web knows it)
patterns:Python
    the testdata lacks fixtures/patterns/test.py
patterns:Ignored Classes on inline elements
    test2.rst spelling: Debian's en_US and Vale's en_US-web disagree on several words
pkg:Sync a complete, v3 package
    package sync (`vale sync`) needs the network
pkg:Sync a style-only package
    package sync (`vale sync`) needs the network
pkg:Sync a config-only package
    package sync (`vale sync`) needs the network
scopes:Raw
    expects an alert in test.py, which the fixture folder lacks; the test.md lines pass
    passes: .md
scopes:Heading
    DITA / XML inputs are not supported; the test.md and test.html lines pass
    passes: .md .html
styles:Lint against Scripts
    the testdata lacks the Scripts style (styles/Scripts) that the fixture's .vale.ini names;
    Tengo `script` rules are not implemented either
styles:Lint against demo
    demo.Meetup / demo.Meet-up are POS `sequence` rules (not implemented); demo.Reading grades
    test.md 7.59 where Vale says 7.13; demo.Spelling (consistency) reports one alert per pair
    in test.rst where Vale reports both words
views:YAML
    the testdata lacks fixtures/views/test.java and test.py, which the expected output names;
    views (structured-data blueprints) are not implemented either
"""


class Claim(NamedTuple):
    """Which output lines of an expected failure brandbot does reproduce."""

    exts: tuple[str, ...]
    except_rules: tuple[str, ...] = ()

    def keep(self, line: str) -> bool:
        """``path:line:col:Style.Rule:message`` lines of a claimed file and rule."""
        m = _LINE.match(line)
        return bool(
            m and m.group(1).lower().endswith(self.exts) and m.group(2) not in self.except_rules
        )


_LINE = re.compile(r"^([^:\s]+):\d+:\d+:([^:\s]+):")


def _claim(text: str) -> Claim:
    exts, _, rules = text.partition(" except ")
    claim = Claim(tuple(exts.split()), tuple(rules.split()))
    if not claim.exts or not all(e.startswith(".") for e in claim.exts):
        raise ValueError(f"bad 'passes:' line: {text!r}")
    return claim


def _table(text: str) -> tuple[dict[str, str], dict[str, Claim]]:
    reasons: dict[str, str] = {}
    claims: dict[str, Claim] = {}
    current = ""
    for row in text.strip("\n").splitlines():
        if not row.startswith(" "):
            current = row
        elif row.strip().startswith("passes:"):
            claims[current] = _claim(row.strip().removeprefix("passes:").strip())
        else:
            reasons[current] = (reasons.get(current, "") + " " + row.strip()).strip()
    return reasons, claims


EXPECTED_FAILURES, SUPPORTED_CLAIMS = _table(_TABLE)

SCENARIOS = load_scenarios(TESTDATA / "features") if (TESTDATA / "features").is_dir() else []
_RESULTS: dict[str, bool] = {}
_SUPPORTED_RESULTS: dict[str, bool] = {}


def _have_dictionary() -> bool:
    from analyzers.hunspell import DictionaryError, default_dictionary

    try:
        default_dictionary()
    except DictionaryError:
        return False
    return True


HAVE = {
    "dictionary": _have_dictionary(),
    "asciidoctor": shutil.which("asciidoctor") is not None,
    "pandoc": shutil.which("pandoc") is not None,
}

# Scenarios that pass only with a system package that scripts/setup installs: Hunspell en_US
# (Debian hunspell-en-us) for Vale.Spelling, asciidoctor for AsciiDoc, pandoc for Org. Without
# it they are skipped with that reason (Vale itself needs asciidoctor; its en_US is built in).
REQUIRES = {
    "config:Missing StylesPath (only Vale)": "dictionary",
    "config:Test a negated glob directory": "dictionary",
    "misc:Multi-word vocab phrases (#1035)": "dictionary",
    "misc:Spelling": "dictionary asciidoctor",
    "misc:v3.0 Spelling": "dictionary asciidoctor",
    "misc:infostrings": "dictionary",
    "patterns:HTML with Ignored Classes": "dictionary",
    "comments:AsciiDoc": "asciidoctor",
    "lint:Lint a AsciiDoc file": "asciidoctor",
    "lint:Lint a AsciiDoc file with a listing block": "asciidoctor",
    "lint:Lint a AsciiDoc file with custom attributes": "asciidoctor",
    "lint:Lint an AsciiDoc file": "asciidoctor",
    "misc:In-text attributes": "asciidoctor",
    "misc:i18n": "asciidoctor",
    "patterns:AsciiDoc": "asciidoctor",
    "scopes:Blockquote": "asciidoctor",
    "scopes:Attr": "asciidoctor",
    "scopes:Inline": "asciidoctor",
    "scopes:AsciiDoc headings with :sectnums: and :toc: (#1101)": "asciidoctor",
    "scopes:Table": "asciidoctor",
    "scopes:List": "asciidoctor",
    "frontmatter:Markup with frontmatter": "asciidoctor",
    "comments:Org Mode": "pandoc",
    "lint:Lint an Org file": "pandoc",
    "patterns:Org": "pandoc",
}
for _id, _reason in EXPECTED_FAILURES.items():
    if _reason.startswith("[dictionary]"):
        # fails because Debian's en_US differs from Vale's built-in one: only with it installed
        REQUIRES[_id] = "dictionary"


def _missing(scenario_id: str) -> list[str]:
    return [need for need in REQUIRES.get(scenario_id, "").split() if not HAVE[need]]


def _params() -> list[object]:
    out: list[object] = []
    for sc in SCENARIOS:
        marks = []
        if missing := _missing(sc.id):
            why = " and ".join(missing)
            marks.append(pytest.mark.skip(reason=f"needs {why} (installed by scripts/setup)"))
        elif sc.id in EXPECTED_FAILURES:
            marks.append(pytest.mark.xfail(reason=EXPECTED_FAILURES[sc.id], strict=True))
        out.append(pytest.param(sc, id=sc.id, marks=marks))
    return out


@pytest.mark.shared
@pytest.mark.parametrize("scenario", _params())
def test_scenario(scenario: object, shared: Path) -> None:
    from vale_features import Scenario

    assert isinstance(scenario, Scenario)
    _RESULTS[scenario.id] = False
    try:
        problems = run_scenario(scenario, TESTDATA)
    except Unsupported as exc:
        pytest.fail(f"step not emulated: {exc}")
    _RESULTS[scenario.id] = not problems
    assert not problems, "\n".join(problems)


@pytest.mark.shared
@pytest.mark.parametrize(
    "scenario",
    [
        pytest.param(
            sc,
            id=sc.id,
            marks=[pytest.mark.skip(reason="needs " + " and ".join(_missing(sc.id)))]
            if _missing(sc.id)
            else [],
        )
        for sc in SCENARIOS
        if sc.id in SUPPORTED_CLAIMS
    ],
)
def test_scenario_supported_inputs(scenario: object, shared: Path) -> None:
    """An expected failure's Markdown / text / HTML lines match Vale's, as its reason claims."""
    from vale_features import Scenario

    assert isinstance(scenario, Scenario)
    claim = SUPPORTED_CLAIMS[scenario.id]
    _SUPPORTED_RESULTS[scenario.id] = False
    wanted = [line for line in expected_lines(scenario) if claim.keep(line)]
    assert wanted, f"no expected {claim.exts} lines: the claim checks nothing"
    problems = run_scenario(scenario, TESTDATA, keep=claim.keep)
    _SUPPORTED_RESULTS[scenario.id] = not problems
    assert not problems, "\n".join(problems)


def test_expected_failures_exist(shared: Path) -> None:
    ids = {sc.id for sc in SCENARIOS}
    unknown = sorted(set(EXPECTED_FAILURES) - ids)
    assert not unknown, f"expected failures that are not scenarios: {unknown}"
    assert all(reason.strip() for reason in EXPECTED_FAILURES.values())
    assert set(SUPPORTED_CLAIMS) <= set(EXPECTED_FAILURES), "'passes:' without a reason"


def test_zz_report(shared: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Prints passed/total per feature (runs last in this module)."""
    if len(_RESULTS) < len({sc.id for sc in SCENARIOS}):
        pytest.skip("run the whole module to get the conformance count")
    per: dict[str, list[int]] = {}
    for sc in SCENARIOS:
        p = per.setdefault(sc.feature, [0, 0])
        p[0] += int(_RESULTS.get(sc.id, False))
        p[1] += 1
    lines = [f"{feat:12s} {p}/{n}" for feat, (p, n) in sorted(per.items())]
    total = sum(p for p, _ in per.values()), sum(n for _, n in per.values())
    lines.append(f"{'total':12s} {total[0]}/{total[1]}")
    if len(_SUPPORTED_RESULTS) == len(SUPPORTED_CLAIMS):
        ok = sum(_SUPPORTED_RESULTS.values())
        lines.append(f"supported-input lines: {ok}/{len(SUPPORTED_CLAIMS)} scenarios")
    with capsys.disabled():
        print("\nVale conformance (passed/total):\n" + "\n".join(lines))
