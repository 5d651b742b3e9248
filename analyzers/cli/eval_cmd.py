"""``brandbot eval --task TASK --data FILE``: score the shipped models on a labelled file.

The metric code lives in :mod:`analyzers.models.evaluate`; it is imported only when the command
runs, so other subcommands do not pay for loading torch.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

TASKS = ("sst2", "conll", "wnut", "goemotions", "formality")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "eval",
        help="score the embedded models on a labelled file",
        description="Score the shipped models on a labelled file in ../shared/data's formats.",
    )
    p.add_argument("--task", required=True, choices=TASKS)
    p.add_argument("--data", required=True, type=Path, metavar="FILE")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.add_argument("--int8", action="store_true", help="int8 dynamic quantization (CPU)")
    p.add_argument("--limit", type=int, default=0, help="score only the first N examples")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from analyzers.models.datasets import DataFormatError
    from analyzers.models.evaluate import evaluate, format_text
    from analyzers.models.predictor import ModelLoadError, load_embedded_predictor

    if not args.data.is_file():
        print(f"brandbot eval: {args.data}: no such file", file=sys.stderr)
        return 2
    import torch

    from analyzers.engine import default_threads

    # torch's default (every core) runs 4-5x slower on a busy 2-core machine
    torch.set_num_threads(default_threads())
    try:
        model = load_embedded_predictor(device="cpu", quantize=bool(args.int8))
    except ModelLoadError as exc:
        print(f"brandbot eval: the embedded models did not load: {exc}", file=sys.stderr)
        return 1
    t0 = time.perf_counter()
    try:
        res = evaluate(args.task, args.data, model, args.limit)
    except DataFormatError as exc:
        print(f"brandbot eval: {exc}", file=sys.stderr)
        return 2
    res["seconds"] = time.perf_counter() - t0
    res["model"] = model.version
    res["task"] = args.task
    res["data"] = str(args.data)
    if res["n"] == 0:
        print(f"brandbot eval: {args.data} holds no examples", file=sys.stderr)
        return 2
    print(json.dumps(res, indent=1) if args.json else format_text(args.task, args.data, res))
    return 0
