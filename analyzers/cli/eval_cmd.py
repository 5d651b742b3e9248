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

TASKS = ("sst2", "sentiment3", "conll", "wnut", "goemotions", "formality")


def _types(value: str) -> frozenset[str]:
    types = frozenset(t.strip() for t in value.split(",") if t.strip())
    if not types:
        raise argparse.ArgumentTypeError("expected entity types such as PER,ORG,LOC")
    return types


def _threads(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("needs at least 1 thread")
    return n


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "eval",
        help="score the embedded models on a labelled file",
        description="Score the shipped models on a labelled file in ../shared/data's formats.",
    )
    p.add_argument("--task", required=True, choices=TASKS)
    p.add_argument(
        "--data",
        required=True,
        type=Path,
        metavar="FILE",
        help="the labelled file (sentiment3: also a TweetEval folder or its *_text.txt)",
    )
    p.add_argument(
        "--types",
        type=_types,
        metavar="PER,ORG,LOC",
        help="entity tasks: score only these types; other gold and predicted types are ignored",
    )
    p.add_argument(
        "--threads",
        type=_threads,
        metavar="N",
        help="torch threads (default: like the engine, every usable CPU but one)",
    )
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.add_argument("--int8", action="store_true", help="int8 dynamic quantization (CPU)")
    p.add_argument("--limit", type=int, default=0, help="score only the first N examples")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from analyzers.engine import default_threads
    from analyzers.models.datasets import DataFormatError
    from analyzers.models.evaluate import evaluate, format_text
    from analyzers.models.predictor import ModelLoadError, load_embedded_predictor

    folder_ok = args.task == "sentiment3" and args.data.is_dir()
    if not (args.data.is_file() or folder_ok):
        what = "no such file" if not args.data.exists() else "not a file"
        print(f"brandbot eval: {args.data}: {what}", file=sys.stderr)
        return 2
    if args.types is not None and args.task not in ("conll", "wnut"):
        print("brandbot eval: --types applies to --task conll or wnut", file=sys.stderr)
        return 2
    threads = eval_threads(args.threads, default_threads())
    try:
        model = load_embedded_predictor(device="cpu", quantize=bool(args.int8))
    except ModelLoadError as exc:
        print(f"brandbot eval: the embedded models did not load: {exc}", file=sys.stderr)
        return 1
    t0 = time.perf_counter()
    try:
        res = evaluate(args.task, args.data, model, args.limit, types=args.types)
    except DataFormatError as exc:
        print(f"brandbot eval: {exc}", file=sys.stderr)
        return 2
    res["seconds"] = time.perf_counter() - t0
    res["model"] = model.version
    res["task"] = args.task
    res["data"] = str(args.data)
    res["threads"] = threads
    if res["n"] == 0:
        print(f"brandbot eval: {args.data} holds no examples", file=sys.stderr)
        return 2
    print(json.dumps(res, indent=1) if args.json else format_text(args.task, args.data, res))
    return 0


def eval_threads(requested: int | None, default: int) -> int:
    """Set torch's intra-op threads as the engine does (``requested`` or ``default``)."""
    import torch

    n = requested or default
    torch.set_num_threads(n)
    return n
