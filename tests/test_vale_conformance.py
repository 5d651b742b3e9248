"""Vale's own conformance suite, replayed against ``brandbot vale``.

Every scenario of ``../shared/vale/vale-testdata/features/*.feature`` is one test id. The steps
are emulated as in Vale's ``steps.rb`` (``vale --output=line --sort --normalize --relative
--no-global`` in a fixture folder) and run in-process through ``bot.cli.main``; the output must
match exactly. Scenarios that need what brandbot does not implement (code-file parsers,
AsciiDoc / reStructuredText / Org / DITA converters, Tengo scripts, packages, spelling
dictionaries, POS tagging) are listed in ``EXPECTED_FAILURES`` with a reason; they are strict
xfails, so a scenario that starts passing must be removed from the table.

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
    Go text/template output (--output=FILE.tmpl) is not implemented
CLI:Lint a file and a directory
    inputs include JSON / C++ source files (code parsers not implemented)
CLI:Lint 2 directories
    inputs include JSON / C++ source files (code parsers not implemented)
CLI:Lint 2 files
    inputs include a JSON source file (code parsers not implemented); the test.txt lines pass
    passes: .txt
CLI:Lint 3 files
    inputs include JSON / C++ source files (code parsers not implemented); the test.txt lines pass
    passes: .txt
CLI:Pipe input
    stdin piping step (`cat | vale --ext`) is not emulated
CLI:Pipe Markdown input
    stdin piping step (`cat | vale --ext`) is not emulated
CLI:Pipe Python input
    stdin piping step (`cat | vale --ext`) is not emulated
CLI:Filter --minAlertLevel
    --filter expressions are not implemented
CLI:Filter by single scope
    --filter expressions are not implemented
CLI:Filter by multiple levels
    --filter expressions are not implemented
CLI:Filter by extends
    --filter expressions are not implemented
CLI:Filter by extends [expr]
    --filter expressions are not implemented
CLI:Filter by multiple levels [expr]
    --filter expressions are not implemented
CLI:Script-computed suggestions
    `vale fix` and Tengo scripts are not implemented
checks:Script
    Tengo `script` rules are not implemented
checks:Repetition
    includes text.rst (reStructuredText needs rst2html); the test.md lines pass
    passes: .md
checks:Spelling
    needs Hunspell spelling dictionaries
checks:Sequence
    `sequence` rules need a part-of-speech tagger; also AsciiDoc input
comments:reStructuredText
    reStructuredText input is not supported (needs its external converter)
comments:AsciiDoc
    AsciiDoc input is not supported (needs its external converter)
comments:Org Mode
    Org Mode input is not supported (needs its external converter)
config:Missing StylesPath (only Vale)
    expects Vale.Spelling output (Hunspell dictionaries)
config:External config (direct)
    expects demo.Spellcheck/demo.Filters spelling alerts (Hunspell); also no demo.Reading there
config:External config
    expects demo.Spellcheck/demo.Filters spelling alerts (Hunspell); also no demo.Reading there
config:Ignore syntax
    --ignore-syntax (lint markup as plain lines) is not implemented
config:Test a glob
    inputs include source-code files (code parsers not implemented)
config:Test a negated glob directory
    expects Vale.Spelling output (Hunspell dictionaries)
fragments:Code -> Markup
    Markdown inside source-code comments (fragments) is not implemented
frontmatter:Markup with frontmatter
    front-matter `title` scope is not implemented; also AsciiDoc/rST inputs
lint:Lint a CSS file
    code-file or non-Markdown/HTML format parsing is not implemented
lint:Lint a Julia file
    code-file or non-Markdown/HTML format parsing is not implemented
lint:Lint a Java file
    code-file or non-Markdown/HTML format parsing is not implemented
lint:Lint a proto file
    code-file or non-Markdown/HTML format parsing is not implemented
lint:Lint an Org file
    code-file or non-Markdown/HTML format parsing is not implemented
lint:Lint a reStructuredText file
    code-file or non-Markdown/HTML format parsing is not implemented
lint:Lint a AsciiDoc file
    code-file or non-Markdown/HTML format parsing is not implemented
lint:Lint a AsciiDoc file with a listing block
    code-file or non-Markdown/HTML format parsing is not implemented
lint:Lint a AsciiDoc file with custom attributes
    code-file or non-Markdown/HTML format parsing is not implemented
lint:Lint a DITA file
    code-file or non-Markdown/HTML format parsing is not implemented
lint:Lint an XML file
    code-file or non-Markdown/HTML format parsing is not implemented
lint:Lint a JSON file
    code-file or non-Markdown/HTML format parsing is not implemented
lint:Lint an AsciiDoc file
    code-file or non-Markdown/HTML format parsing is not implemented
lint:Lint a Python file
    code-file or non-Markdown/HTML format parsing is not implemented
lint:Lint a C++ file
    code-file or non-Markdown/HTML format parsing is not implemented
lint:Lint a Clojure file
    code-file or non-Markdown/HTML format parsing is not implemented
lint:Lint a JSX file
    code-file or non-Markdown/HTML format parsing is not implemented
lint:Lint an MDX file
    MDX: text inside JSX expressions/components is linted where Vale skips it (13:14, 37:9)
lint:Lint a Rust file
    code-file or non-Markdown/HTML format parsing is not implemented
lint:Lint an R file
    code-file or non-Markdown/HTML format parsing is not implemented
lint:Lint a PHP file
    code-file or non-Markdown/HTML format parsing is not implemented
lint:Lint a PowerShell file
    code-file or non-Markdown/HTML format parsing is not implemented
lint:Lint a Lua file
    code-file or non-Markdown/HTML format parsing is not implemented
lint:Lint a Haskell file
    code-file or non-Markdown/HTML format parsing is not implemented
lint:Lint a TypeScript file
    code-file or non-Markdown/HTML format parsing is not implemented
lint:Lint a Ruby file
    code-file or non-Markdown/HTML format parsing is not implemented
misc:Multi-word vocab phrases (#1035)
    expects a Vale.Spelling alert for 'flooberg' (Hunspell); the Test.Place line passes
    passes: .md except Vale.Spelling
misc:In-text attributes
    AsciiDoc inputs only (needs asciidoctor)
misc:Unicode
    includes test.py (code parser) and test.rst (rst2html); the test.txt lines pass
    passes: .txt
misc:Duplicate matches
    expects Vale.Spelling alerts (Hunspell) and AsciiDoc input; the other .md lines pass
    passes: .md except Vale.Spelling
misc:Spelling
    needs Hunspell spelling dictionaries
misc:v3.0 Spelling
    needs Hunspell spelling dictionaries
misc:i18n
    includes ru.adoc (AsciiDoc needs asciidoctor); the zh.md lines pass
    passes: .md
misc:infostrings
    expects Vale.Spelling alerts only (Hunspell dictionaries)
patterns:AsciiDoc
    AsciiDoc input (asciidoctor) with BlockIgnores/TokenIgnores
patterns:reStructuredText
    reStructuredText input (rst2html) with BlockIgnores/TokenIgnores
patterns:Org
    Org input with BlockIgnores/TokenIgnores
patterns:HTML with Ignored Classes
    expects a Vale.Spelling alert (Hunspell dictionaries); the write-good.We lines pass
    passes: .html except Vale.Spelling
patterns:Python
    Python input (code parser) with spelling output
patterns:Ignored Classes on inline elements
    reStructuredText input (rst2html) and spelling output
pkg:Sync a complete, v3 package
    package sync (`vale sync`) needs the network
pkg:Sync a style-only package
    package sync (`vale sync`) needs the network
pkg:Sync a config-only package
    package sync (`vale sync`) needs the network
scopes:Raw
    expects an alert in test.py, which the fixture folder lacks; the test.md lines pass
    passes: .md
scopes:Blockquote
    includes AsciiDoc/reStructuredText inputs; the test.md line passes
    passes: .md
scopes:Skip
    includes test.rst (reStructuredText needs rst2html); the test.md lines pass
    passes: .md
scopes:Attr
    includes AsciiDoc/reStructuredText inputs; the test.md line passes
    passes: .md
scopes:Inline
    includes AsciiDoc input; the test.md lines pass
    passes: .md
scopes:Heading
    includes AsciiDoc/rST/DITA/XML inputs; the test.md and test.html lines pass
    passes: .md .html
scopes:AsciiDoc headings with :sectnums: and :toc: (#1101)
    AsciiDoc input
scopes:Table
    includes AsciiDoc/reStructuredText inputs; the test.md and test.html lines pass
    passes: .md .html
scopes:List
    includes AsciiDoc/reStructuredText inputs; the test.md and test.html lines pass
    passes: .md .html
styles:Lint against Scripts
    Tengo `script` rules are not implemented
styles:Lint against demo
    adoc/rST, Hunspell, POS `sequence`; md grade 7.59!=7.13, Smart col, Hyphen, MDX heading
views:YAML
    views (structured-data blueprints) are not implemented
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
            reasons[current] = row.strip()
    return reasons, claims


EXPECTED_FAILURES, SUPPORTED_CLAIMS = _table(_TABLE)

SCENARIOS = load_scenarios(TESTDATA / "features") if (TESTDATA / "features").is_dir() else []
_RESULTS: dict[str, bool] = {}
_SUPPORTED_RESULTS: dict[str, bool] = {}


def _params() -> list[object]:
    out: list[object] = []
    for sc in SCENARIOS:
        marks = []
        if sc.id in EXPECTED_FAILURES:
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
    "scenario", [pytest.param(sc, id=sc.id) for sc in SCENARIOS if sc.id in SUPPORTED_CLAIMS]
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
