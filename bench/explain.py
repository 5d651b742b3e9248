"""What explaining findings costs: a review with and without the "driven by" occlusion pass.

    python bench/explain.py [--runs 15]

Reviews, with the embedded models on the CPU precision the bot uses, a 120-word draft that
raises several model findings, alternately with the explanation pass on and off (baseline in the
same process), and prints the median and p90 time per review of each.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DRAFT = (
    "Unlike those clowns at Brightline, we actually ship lighting that works. "
    "Honestly, if you had read the manual you would not be in this mess. "
    "Damn, the release slipped again and nobody told us. "
    "Our new scenes dim the lights when rooms are empty and save energy every day. "
    "LumaSync turns every light in the office on with one tap, and Lumen Cloud keeps "
    "your schedules running even when the office network is down. "
    "We back every fixture with a five-year warranty, and our support team answers within "
    "the hour. Set up LumaBeam Pro in ten minutes with the app you already use."
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    import torch

    from analyzers import Draft, Reviewer, load_guide
    from analyzers.engine import default_threads
    from analyzers.guide import default_guide_path
    from analyzers.models.suite import EmbeddedModelSuite
    from analyzers.serving import load_predictor_backend

    torch.set_num_threads(default_threads())
    predictor = load_predictor_backend(precision="int8", device="cpu").predictor
    suite = EmbeddedModelSuite(predictor)
    reviewer = Reviewer(load_guide(default_guide_path()), suite)
    explain = suite._explain
    times: dict[str, list[float]] = {"with explanations": [], "without (baseline)": []}
    reviewer.review_one(Draft(DRAFT))  # warm up
    for _ in range(args.runs):
        for name, on in (("with explanations", True), ("without (baseline)", False)):
            suite._explain = explain if on else (lambda text, out: None)  # type: ignore[method-assign]
            t0 = time.perf_counter()
            review = reviewer.review_one(Draft(DRAFT))
            times[name].append(time.perf_counter() - t0)
    suite._explain = explain  # type: ignore[method-assign]
    explained = sum("driven by" in f.message for f in review.findings)
    print(f"draft: {len(DRAFT.split())} words, {len(review.findings)} findings")
    for name, ts in times.items():
        ts.sort()
        p90 = ts[int(0.9 * (len(ts) - 1))]
        print(
            f"{name:20s} median {statistics.median(ts) * 1000:7.1f} ms   p90 {p90 * 1000:7.1f} ms"
        )
    print(f"explained findings in the last run with explanations off: {explained} (expected 0)")


if __name__ == "__main__":
    main()
