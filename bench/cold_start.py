"""Cold start: a fresh Python process, to an engine that is loaded, warmed up and ready.

    python bench/cold_start.py                # int8 and fp32, 3 starts each
    python bench/cold_start.py --repeat 5 --modes int8

Wall clock from spawning the process until it reports ready (imports, brand guide, encoder and
heads, int8 conversion, warm-up included), and the process's RSS at that moment.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, machine_info

CHILD = """
import os, sys, time, json
t_start = time.perf_counter()
sys.path.insert(0, {root!r})
os.environ.setdefault("HF_HUB_OFFLINE", "1")
from analyzers.guide import default_guide_path, load_guide
from analyzers.serving import EngineReviewService, load_engine
guide = load_guide(default_guide_path())
engine = load_engine(precision={mode!r})
service = EngineReviewService(guide, engine)
engine.wait_ready()
import psutil
rss = psutil.Process().memory_info().rss / 2**20
print("READY " + json.dumps({{"rss_mb": rss, "in_process_s": time.perf_counter() - t_start,
    "load_s": engine.load_seconds, "warmup_s": engine.warmup_seconds}}), flush=True)
engine.close()
"""


def start_once(mode: str) -> dict[str, Any]:
    code = CHILD.format(root=str(ROOT), mode=mode)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("READY "):
            wall = time.perf_counter() - t0
            info = json.loads(line[len("READY ") :])
            proc.wait()
            return {"ready_s": wall, **info}
    _, err = proc.communicate()
    raise SystemExit(f"{mode}: the child never became ready:\n{err[-3000:]}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--modes", default="int8,fp32")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    report: dict[str, Any] = {"machine": machine_info(), "command": " ".join(sys.argv)}
    results: dict[str, Any] = {}
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in modes}
    for _ in range(args.repeat):
        for m in modes:  # interleaved, so load on the machine hits both alike
            runs[m].append(start_once(m))
            print(m, {k: round(v, 2) for k, v in runs[m][-1].items()}, flush=True)
    for m, rs in runs.items():
        results[m] = {
            "starts": len(rs),
            "ready_s_median": round(statistics.median(r["ready_s"] for r in rs), 2),
            "ready_s_max": round(max(r["ready_s"] for r in rs), 2),
            "rss_mb_median": round(statistics.median(r["rss_mb"] for r in rs), 1),
            "load_s_median": round(statistics.median(r["load_s"] for r in rs), 2),
            "warmup_s_median": round(statistics.median(r["warmup_s"] for r in rs), 2),
        }
    report["results"] = results
    print(json.dumps(report, indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
