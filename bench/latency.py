"""Single-draft latency: one 150-word draft at a time on an otherwise idle engine, warm.

    python bench/latency.py                 # engine int8, engine fp32, naive baseline
    python bench/latency.py --runs 100 --modes int8

Every run reviews a *different* 150-word draft (seeded), so the cache never answers; the time
is from submission to the finished review (rules + models), as the bot awaits it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import draft_of_words, machine_info, percentile


def measure(review: Any, drafts: list[Any], warm: int) -> list[float]:
    for d in drafts[:warm]:
        review(d)
    out = []
    for d in drafts[warm:]:
        t0 = time.perf_counter()
        review(d)
        out.append(time.perf_counter() - t0)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=60)
    ap.add_argument("--naive-runs", type=int, default=10)
    ap.add_argument("--words", type=int, default=150)
    ap.add_argument("--warm", type=int, default=5)
    ap.add_argument("--modes", default="int8,fp32,naive")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    from analyzers.guide import default_guide_path, load_guide
    from analyzers.types import Draft

    guide = load_guide(default_guide_path())
    report: dict[str, Any] = {"machine": machine_info(), "command": " ".join(sys.argv)}
    results: dict[str, Any] = {}
    for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
        runs = args.naive_runs if mode == "naive" else args.runs
        drafts = [
            Draft(draft_of_words(args.words, seed=1000 + i), id=str(i))
            for i in range(runs + args.warm)
        ]
        if mode == "naive":
            from naive import load_naive_predictor

            from analyzers.models.suite import EmbeddedModelSuite
            from analyzers.reviewer import Reviewer

            reviewer = Reviewer(guide, EmbeddedModelSuite(load_naive_predictor()))  # type: ignore[arg-type]
            times = measure(reviewer.review_one, drafts, args.warm)
        else:
            from analyzers.engine import EngineSettings
            from analyzers.serving import EngineReviewService, load_engine

            # no cache: every run must compute (the drafts share some sentences)
            engine = load_engine(precision=mode, settings=EngineSettings(cache_size=0))
            engine.wait_ready()
            service = EngineReviewService(guide, engine)

            async def run_all(svc: Any = service, drafts: list[Any] = drafts) -> list[float]:
                async def one(d: Any) -> None:
                    await svc.review([d])

                for d in drafts[: args.warm]:
                    await one(d)
                out = []
                for d in drafts[args.warm :]:
                    t0 = time.perf_counter()
                    await one(d)
                    out.append(time.perf_counter() - t0)
                return out

            times = asyncio.run(run_all())
            engine.close()
        sentences = [len(d.text.split(". ")) for d in drafts]
        results[mode] = {
            "runs": len(times),
            "words": args.words,
            "sentences_per_draft": sum(sentences) / len(sentences),
            "p50_ms": round(percentile(times, 50) * 1000, 1),
            "p95_ms": round(percentile(times, 95) * 1000, 1),
            "mean_ms": round(sum(times) / len(times) * 1000, 1),
            "min_ms": round(min(times) * 1000, 1),
        }
        print(mode, results[mode], flush=True)
    report["results"] = results
    print(json.dumps(report, indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
