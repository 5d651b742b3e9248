"""Reads Vale's cucumber ``.feature`` files and replays their steps against ``brandbot vale``.

Used by ``tests/test_vale_conformance.py``; run ``python -m tests.vale_features`` for a report.
The step meanings follow Vale's ``testdata/features/steps.rb``: every run is
``vale --output=line --sort --normalize --relative --no-global ARGS`` in a fixture folder.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

BASE_FLAGS = ["--output=line", "--sort", "--normalize", "--relative", "--no-global"]


@dataclass
class Step:
    keyword: str
    text: str
    doc: str | None = None


@dataclass
class Scenario:
    feature: str
    name: str
    steps: list[Step] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.feature}:{self.name}"


def _strip_doc(lines: list[str]) -> str:
    if not lines:
        return ""
    indent = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
    return "\n".join(x[indent:].rstrip() for x in lines).strip("\n")


def parse_feature(path: Path) -> list[Scenario]:
    feature = path.stem
    scenarios: list[Scenario] = []
    background: list[Step] = []
    current: list[Step] | None = None
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line or line.startswith("#"):
            continue
        if line.startswith("Background:"):
            current = background
            continue
        if line.startswith("Scenario:"):
            sc = Scenario(feature, line.split(":", 1)[1].strip())
            sc.steps.extend(background)
            scenarios.append(sc)
            current = sc.steps
            continue
        m = re.match(r"^(Given|When|Then|And|But)\s+(.*)$", line)
        if m and current is not None:
            step = Step(m.group(1), m.group(2))
            if i < len(lines) and lines[i].strip() == '"""':
                j = i + 1
                body: list[str] = []
                while j < len(lines) and lines[j].strip() != '"""':
                    body.append(lines[j])
                    j += 1
                step.doc = _strip_doc(body)
                i = j + 1
            current.append(step)
    return scenarios


def load_scenarios(features: Path) -> list[Scenario]:
    out: list[Scenario] = []
    for path in sorted(features.glob("*.feature")):
        out.extend(parse_feature(path))
    return out


class Unsupported(Exception):
    """A step this harness does not emulate (the scenario is an expected failure)."""


@dataclass
class Result:
    output: str
    status: int


Runner = Callable[[list[str]], int]


def _default_runner(argv: list[str]) -> int:
    from bot.cli import main

    return main(["vale", *argv])


@contextlib.contextmanager
def _chdir(path: Path) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def run_vale(cwd: Path, args: list[str], runner: Runner, stdin: str | None = None) -> Result:
    """Runs the command; its output is stdout (brandbot's own warnings go to stderr)."""
    out = io.StringIO()
    err = io.StringIO()
    old_stdin = sys.stdin
    # a terminal-like stdin unless the step pipes a file in (``cat FILE | vale``)
    sys.stdin = io.StringIO(stdin) if stdin is not None else _Terminal()
    try:
        with _chdir(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = runner([*BASE_FLAGS, *args])
            except SystemExit as exc:  # argparse errors
                status = int(exc.code or 0)
    finally:
        sys.stdin = old_stdin
    return Result(out.getvalue(), status)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


_WHEN: list[tuple[str, str, Callable[[re.Match[str]], list[str]]]] = [
    (r'^I test "(.*)"$', "fixtures/{0}", lambda m: ["."]),
    (r'^I apply style "(.*)"$', "fixtures/styles/{0}", lambda m: ["."]),
    (r'^I test scope "(.*)"$', "fixtures/scopes/{0}", lambda m: ["."]),
    (r'^I use Vocab "(.*)"$', "fixtures/vocab/{0}", lambda m: ["."]),
    (r'^I test comments for "(.*)"$', "fixtures/comments", lambda m: [m.group(1)]),
    (r'^I test patterns for "(.*)"$', "fixtures/patterns", lambda m: [m.group(1)]),
    (r'^I lint "(.*)"$', "fixtures/formats", lambda m: m.group(1).split()),
    (r'^I lint path "(.*)"$', "fixtures/formats/{0}", lambda m: ["."]),
    (r'^I lint AsciiDoc "(.*)"$', "fixtures/formats/adoc", lambda m: [m.group(1)]),
    (r'^I lint reStructuredText "(.*)"$', "fixtures/formats/rst", lambda m: [m.group(1)]),
    (r'^I lint Sphinx "(.*)"$', "fixtures/formats/Sphinx", lambda m: [m.group(1)]),
    (r"^I lint path with exclusions$", "fixtures/folders", lambda m: ["."]),
    (
        r'^I lint with config "(.*)"$',
        "fixtures/formats",
        lambda m: [f"--config={m.group(1)}", "test.md"],
    ),
    (r'^I test glob "(.*)"$', "fixtures/formats", lambda m: [f"--glob={m.group(1)}", "."]),
    (r'^I test dir glob "(.*)"$', "fixtures/glob", lambda m: [f"--glob={m.group(1)}", "."]),
    (r'^I lint string "(.*)"$', "fixtures/formats", lambda m: [m.group(1)]),
    (r'^I lint simple "(.*)"$', "fixtures/formats", lambda m: ["--ignore-syntax", m.group(1)]),
    (
        r'^I use filter file "(.*)"$',
        "fixtures/filters",
        lambda m: [f"--filter={m.group(1)}.expr", "."],
    ),
    (r'^I use filter expr "(.*)"$', "fixtures/filters", lambda m: [f"--filter={m.group(1)}", "."]),
    (r'^I run cat "(\S+)" "(\S+)"$', "fixtures/formats", lambda m: [f"--ext={m.group(2)}"]),
    (
        r'^I lint file "(\S+)" as "(\S+)"$',
        "fixtures/formats",
        lambda m: [f"--ext={m.group(2)}", m.group(1)],
    ),
    (r'^I run vale "(.*)"$', "", lambda m: shlex.split(m.group(1))),
    (
        r'^I assign minAlertLevel "(\S+)" "(\S+)"$',
        "",
        lambda m: [f"--minAlertLevel={m.group(1)}", m.group(2)],
    ),
]


LineFilter = Callable[[str], bool]


def expected_lines(sc: Scenario) -> list[str]:
    """The output lines the scenario's output assertions name (without running it)."""
    out: list[str] = []
    for step in sc.steps:
        if step.keyword != "When" and step.text.startswith("the output should contain"):
            out.extend((step.doc or "").strip("\n").splitlines())
    return out


def run_scenario(
    sc: Scenario, testdata: Path, runner: Runner | None = None, keep: LineFilter | None = None
) -> list[str]:
    """Replay ``sc``; returns the list of failed expectations (empty: it passed).

    With ``keep``, both the expected and the actual output are cut down to the lines ``keep``
    accepts before they are compared, and exit-status assertions are skipped (the status depends
    on the alerts of every linted file, kept or not).
    """
    runner = runner or _default_runner

    def cut(text: str) -> str:
        if keep is None:
            return text
        return "\n".join(line for line in text.splitlines() if keep(line))

    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="vale-aruba-") as tmp:
        root = Path(tmp)
        aruba = root / "tmp" / "aruba"
        aruba.mkdir(parents=True)
        for name in ("styles", "fixtures"):
            (root / name).symlink_to(testdata / name)
        result: Result | None = None
        for step in sc.steps:
            if step.keyword == "Given" or (step.keyword == "And" and result is None):
                m = re.match(r'^a file named "(.*)" with:?$', step.text)
                if not m:
                    raise Unsupported(f"step: {step.text}")
                (aruba / m.group(1)).write_text((step.doc or "") + "\n", encoding="utf-8")
                continue
            if step.keyword == "When":
                for pattern, folder, make_args in _WHEN:
                    m = re.match(pattern, step.text)
                    if m:
                        if folder:
                            cwd = Path(
                                os.path.normpath(str(aruba / "../.." / folder.format(*m.groups())))
                            )
                        else:
                            cwd = aruba
                        if not cwd.is_dir():
                            raise Unsupported(f"no folder {cwd}")
                        stdin = None
                        if pattern.startswith("^I run cat"):
                            piped = cwd / m.group(1)
                            if not piped.is_file():
                                raise Unsupported(f"no file {piped}")
                            stdin = piped.read_text(encoding="utf-8")
                        result = run_vale(cwd, make_args(m), runner, stdin)
                        break
                else:
                    raise Unsupported(f"step: {step.text}")
                continue
            if result is None:
                raise Unsupported(f"assertion before any run: {step.text}")
            text = step.text
            got = cut(result.output.strip("\n"))
            if text.startswith("the output should contain exactly"):
                want = cut((step.doc or "").strip("\n"))
                if got != want:
                    problems.append(f"output differs:\n--- want\n{want}\n--- got\n{got}")
            elif (
                text.startswith("the output should contain:") or text == "the output should contain"
            ):
                want = cut((step.doc or "").strip("\n"))
                if want not in got:
                    problems.append(f"output lacks:\n{want}\n--- got\n{got}")
            elif text == "the output should not contain anything":
                if got.strip():
                    problems.append(f"output should be empty, got:\n{got}")
            elif (m := re.match(r'^the output should not contain "(.*)"$', text)) is not None:
                if m.group(1) in got:
                    problems.append(f"output contains {m.group(1)!r}:\n{got}")
            elif (m := re.match(r"^the exit status should be (\d+)$", text)) is not None:
                if keep is None and result.status != int(m.group(1)):
                    problems.append(f"exit status {result.status}, want {m.group(1)}")
            else:
                raise Unsupported(f"step: {text}")
    return problems


def report(
    testdata: Path, runner: Runner | None = None, verbose: bool = False
) -> dict[str, tuple[int, int]]:
    counts: dict[str, tuple[int, int]] = {}
    for sc in load_scenarios(testdata / "features"):
        passed, total = counts.get(sc.feature, (0, 0))
        try:
            problems = run_scenario(sc, testdata, runner)
            ok = not problems
        except Unsupported as exc:
            ok, problems = False, [f"unsupported {exc}"]
        except Exception as exc:
            ok, problems = False, [f"crash {type(exc).__name__}: {exc}"]
        counts[sc.feature] = (passed + int(ok), total + 1)
        if verbose:
            print(("PASS " if ok else "FAIL ") + sc.id)
            if not ok and verbose:
                print("   " + "\n   ".join("\n".join(problems).splitlines()[:40]))
    return counts


if __name__ == "__main__":  # pragma: no cover - manual report
    from analyzers.paths import shared_dir

    verbose = "-v" in sys.argv
    only = [a for a in sys.argv[1:] if not a.startswith("-")]
    testdata = shared_dir() / "vale" / "vale-testdata"
    counts = report(testdata, verbose=verbose)
    total_p = sum(p for p, _ in counts.values())
    total_n = sum(n for _, n in counts.values())
    for feat, (p, n) in sorted(counts.items()):
        if not only or feat in only:
            print(f"{feat:12s} {p}/{n}")
    print(f"{'total':12s} {total_p}/{total_n}")
