"""Where the time of one ``brandbot review`` call goes, phase by phase.

    python bench/cli_start.py               # 3 runs, median of each phase
    python bench/cli_start.py --repeat 5

Each run is a fresh Python process that times, in order: interpreter start to the CLI module
imported, ``import torch``, loading the weights (encoder, adapter merge, heads, tokenizer;
whether transformers got imported is reported), the first review (rules compiled, first
forward) and one review of a short draft; and, for reference, ``import torch`` with and
without transformers' ``BertModel``. Then the whole command is timed end to end, with and
without models, as a user runs it.
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

from common import machine_info

# the checkout to measure (default: this one); BENCH_ROOT=/path measures another, e.g. an
# export of an older commit, with the same script
ROOT = Path(os.environ.get("BENCH_ROOT") or Path(__file__).resolve().parents[1])

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
suite, status = cli.load_models_or_reason()
mark("weights (encoder, adapter, heads, tokenizer)")
marks["transformers imported"] = float("transformers" in sys.modules)
from analyzers.reviewer import Reviewer
from analyzers.types import Draft
reviewer = Reviewer(guide, suite, models_status=status)
reviewer.review([Draft("Warm up the model.", None)])
mark("warm-up (first review)")
reviewer.review([Draft({draft!r}, None)])
mark("one review")
print("MARKS " + json.dumps(marks), flush=True)
sys.stdout.flush()
t_exit = time.perf_counter()
"""


def phases_once() -> dict[str, float]:
    code = CHILD.format(root=str(ROOT), draft=DRAFT)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    total = time.perf_counter() - t0
    marks: dict[str, float] = json.loads(proc.stdout.split("MARKS ", 1)[1])
    out: dict[str, float] = {"transformers imported": marks.pop("transformers imported")}
    prev = 0.0
    for name, at in marks.items():
        out[name] = at - prev
        prev = at
    out["process total (spawn to exit)"] = total
    return out


def import_seconds(statement: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], check=True, cwd=ROOT)
    return time.perf_counter() - t0


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
    runs = [phases_once() for _ in range(args.repeat)]
    print(f"\nphase (median of {args.repeat} runs)                     seconds")
    for name in runs[0]:
        print(f"  {name:<46} {statistics.median(r[name] for r in runs):6.2f}")
    torch_only = statistics.median(import_seconds("import torch") for _ in range(args.repeat))
    with_hf = statistics.median(
        import_seconds("import torch; from transformers import BertModel")
        for _ in range(args.repeat)
    )
    print(
        f"  (for reference: python + import torch {torch_only:.2f} s; + transformers' "
        f"BertModel {with_hf:.2f} s)"
    )
    for label, extra in (("review --no-models", ("--no-models",)), ("review (models)", ())):
        times = [command_once(*extra) for _ in range(args.repeat)]
        print(f"brandbot {label:<24} {statistics.median(times):6.2f} s (median)")


if __name__ == "__main__":
    main()
