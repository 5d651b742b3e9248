"""Where the time of one ``brandbot review`` call goes, phase by phase.

    python bench/cli_start.py               # 3 runs, median of each phase
    python bench/cli_start.py --repeat 5

Each run is a fresh Python process that times, in order: interpreter start to the CLI module
imported, ``import torch``, ``import transformers``' BertModel, loading the weights (encoder,
adapter merge, heads, tokenizer), the first prediction (warm-up) and one review of a short
draft. Then the whole command is timed end to end, with and without models, as a user runs it.
Numbers only; nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, machine_info

DRAFT = "Our new lumasync app lets you login fast. We think it might be the best on the market!"

CHILD = """
import json, os, sys, time
t0 = time.perf_counter()
marks = {{}}
def mark(name):
    marks[name] = time.perf_counter() - t0
sys.path.insert(0, {root!r})
import analyzers.cli.review_cmd as cli
from analyzers.guide import default_guide_path, load_guide
guide = load_guide(default_guide_path())
mark("cli imports + guide")
import torch
mark("import torch")
{transformers_line}
mark("import transformers")
suite, status = cli.load_models_or_reason()
mark("weights")
from analyzers.reviewer import Reviewer
from analyzers.types import Draft
reviewer = Reviewer(guide, suite, models_status=status)
reviewer.review([Draft("Warm up the model.", None)])
mark("warm-up (first review)")
reviewer.review([Draft({draft!r}, None)])
mark("one review")
print("MARKS " + json.dumps(marks), flush=True)
"""


def phases_once(with_transformers: bool) -> dict[str, float]:
    line = "from transformers import BertModel" if with_transformers else "pass"
    code = CHILD.format(root=str(ROOT), draft=DRAFT, transformers_line=line)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    total = time.perf_counter() - t0
    marks: dict[str, float] = json.loads(proc.stdout.split("MARKS ", 1)[1])
    out: dict[str, float] = {}
    prev = 0.0
    for name, at in marks.items():
        out[name] = at - prev
        prev = at
    out["process total"] = total
    return out


def command_once(*extra: str) -> float:
    exe = Path(sys.executable).parent / "brandbot"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "bot.cli"]
    t0 = time.perf_counter()
    subprocess.run(
        [*cmd, "review", *extra, DRAFT],
        capture_output=True,
        cwd=ROOT,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(json.dumps(machine_info()))
    runs = [phases_once(with_transformers=True) for _ in range(args.repeat)]
    print("\nphase (median of", args.repeat, "runs)          seconds")
    for name in runs[0]:
        print(f"  {name:<32} {statistics.median(r[name] for r in runs):6.2f}")
    for label, extra in (("review --no-models", ("--no-models",)), ("review (models)", ())):
        times = [command_once(*extra) for _ in range(args.repeat)]
        print(f"brandbot {label:<24} {statistics.median(times):6.2f} s (median)")


if __name__ == "__main__":
    main()
