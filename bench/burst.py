"""Burst throughput: N drafts of 20-500 words arrive at once and go through the full review.

    python bench/burst.py                       # 200 drafts: naive, engine int8, engine fp32
    python bench/burst.py --drafts 40 --modes naive,int8

Each mode runs in its own child process, one after another in the same run (so peak RSS is the
mode's own and the ratios hold on a noisy machine). Reports drafts/s, sentences/s, latency from
submission to review (p50/p95/p99), peak RSS, the engine's batching counters, achieved GFLOP/s
against the matrix-multiply peaks measured here first, and label agreement of every mode with
the fp32 engine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    MINILM_FLOP_PER_TOKEN,
    ROOT,
    machine_info,
    make_drafts,
    matmul_peaks,
    peak_rss,
    percentile,
)

MODES = ("naive", "int8", "int8-nocache", "fp32", "fp16")


# -- child: one mode ---------------------------------------------------------------------------


class Recorder:
    """Wraps a predictor and remembers every sentence the review asked about."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.sentences: dict[str, None] = {}

    @property
    def version(self) -> str:
        return str(self.inner.version)

    def predict(self, sentences: Any) -> Any:
        for s in sentences:
            self.sentences.setdefault(s, None)
        return self.inner.predict(sentences)

    def embed(self, sentences: Any) -> Any:
        return self.inner.embed(sentences)


def sentence_labels(pred: Any) -> dict[str, Any]:
    sentiment = max(pred.sentiment, key=pred.sentiment.get)
    emotions = sorted(
        k for k, v in pred.emotions.items() if v >= pred.emotion_thresholds.get(k, 0.5)
    )
    return {
        "sentiment": sentiment,
        "emotions": emotions,
        "formal": bool(pred.formality >= 0.5),
        "formality": round(float(pred.formality), 4),
        "entities": sorted([e.start, e.end, e.label] for e in pred.entities),
        "embedding": [round(float(x), 5) for x in pred.embedding],
    }


def review_labels(review: Any) -> dict[str, Any]:
    return {
        "verdict": review.verdict.value,
        "score": review.score,
        "sentiment": None if review.sentiment is None else review.sentiment.label,
        "sentence_sentiment": []
        if review.sentiment is None
        else [s.label for s in review.sentiment.sentences],
        "tone_sentences": [] if review.tone is None else [s.label for s in review.tone.sentences],
        "entities": sorted([e.span.start, e.span.end, e.label] for e in review.entities),
        "findings": sorted(f"{f.rule_id}|{f.span.start}|{f.span.end}" for f in review.findings),
        "skipped": sorted(review.skipped),
    }


def run_child(
    mode: str, n: int, seed: int, threads: int, dump: Path, naive_n: int, engine_threads: int
) -> dict[str, Any]:
    from analyzers.engine import default_threads
    from analyzers.guide import default_guide_path, load_guide
    from analyzers.types import Draft

    guide = load_guide(default_guide_path())
    drafts = [Draft(t, id=str(i)) for i, t in enumerate(make_drafts(n, seed=seed))]
    if mode == "naive" and naive_n:
        drafts = drafts[:naive_n]  # the same drafts, the first ones: the rate is what counts
        n = len(drafts)
    words = sum(len(d.text.split()) for d in drafts)
    out: dict[str, Any] = {"mode": mode, "drafts": n, "words": words}

    if mode == "naive":
        import torch
        from naive import load_naive_predictor

        from analyzers.models.suite import EmbeddedModelSuite
        from analyzers.reviewer import Reviewer

        torch.set_num_threads(default_threads())  # the engine's thread count: a fair race
        t0 = time.perf_counter()
        naive = load_naive_predictor()
        out["load_s"] = time.perf_counter() - t0
        naive.predict(["Warm-up sentence for the baseline."])
        recorder = Recorder(naive)
        reviewer = Reviewer(guide, EmbeddedModelSuite(recorder))  # type: ignore[arg-type]
        latencies: list[float] = []
        cpu0 = _cpu_s()
        with peak_rss() as rss:
            start = time.perf_counter()
            reviews = []
            for d in drafts:  # sequential: one draft, then the next
                reviews.extend(reviewer.review([d]))
                latencies.append(time.perf_counter() - start)
            wall = time.perf_counter() - start
        out["encoder_forwards"] = naive.forwards
        out["tokens"] = naive.tokens  # every pass re-encodes its sentence
        preds = {s: naive.base.predict([s])[0] for s in recorder.sentences}
    else:
        from analyzers.engine import EngineSettings
        from analyzers.serving import EngineReviewService, load_engine

        t0 = time.perf_counter()
        precision, _, variant = mode.partition("-")
        settings = EngineSettings(
            threads=engine_threads or None, cache_size=0 if variant == "nocache" else 8192
        )
        engine = load_engine(precision=precision, settings=settings)
        engine.wait_ready()
        out["load_s"] = time.perf_counter() - t0
        service = EngineReviewService(guide, engine, threads=threads)
        recorder = Recorder(service.suite.predictor)
        service.suite.predictor = recorder  # type: ignore[assignment]
        before = engine.stats.snapshot()

        async def burst() -> tuple[list[Any], list[float], float]:
            start = time.perf_counter()

            async def one(d: Any) -> tuple[Any, float]:
                (r,) = await service.review([d])
                return r, time.perf_counter() - start

            done = await asyncio.gather(*(one(d) for d in drafts))
            return [r for r, _ in done], [t for _, t in done], time.perf_counter() - start

        cpu0 = _cpu_s()
        with peak_rss() as rss:
            reviews, latencies, wall = asyncio.run(burst())
        engine.wait_idle()
        after = engine.stats.snapshot()
        out["engine"] = {
            k: getattr(after, k) - getattr(before, k)
            for k in (
                "requests",
                "sentences",
                "cache_hits",
                "computed",
                "batches",
                "forwards",
                "tokens",
                "padded_tokens",
                "busy_s",
            )
        }
        out["tokens"] = out["engine"]["tokens"]
        out["encoder_forwards"] = out["engine"]["forwards"]
        out["threads"] = threads
        out["torch_threads"] = engine_threads or default_threads()
        unique = list(recorder.sentences)
        preds = dict(zip(unique, engine.run(unique), strict=True))
        engine.close()

    cpu_s = _cpu_s() - cpu0
    sentences = sum(len(r.sentiment.sentences) if r.sentiment else 0 for r in reviews)
    model_sentences = len(recorder.sentences)
    out.update(
        wall_s=wall,
        cpu_s=cpu_s,
        drafts_per_s=n / wall,
        drafts_per_cpu_s=n / cpu_s,
        sentences_per_s=sum(_sentence_count(r) for r in reviews) / wall,
        unique_sentences=model_sentences,
        scored_sentences=sentences,
        p50_ms=percentile(latencies, 50) * 1000,
        p95_ms=percentile(latencies, 95) * 1000,
        p99_ms=percentile(latencies, 99) * 1000,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        burst_peak_rss_mb=rss["peak_mb"],
        gflops=MINILM_FLOP_PER_TOKEN * out["tokens"] / wall / 1e9,
    )
    if "engine" in out and out["engine"]["busy_s"]:
        out["gflops_in_encoder"] = (
            MINILM_FLOP_PER_TOKEN * out["tokens"] / out["engine"]["busy_s"] / 1e9
        )
    dump.write_text(
        json.dumps(
            {
                "sentences": {s: sentence_labels(p) for s, p in preds.items()},
                "reviews": [review_labels(r) for r in reviews],
            }
        )
    )
    return out


def _cpu_s() -> float:
    """CPU seconds (user + system) of this process so far: less sensitive than wall time to
    the other work on a shared machine."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _sentence_count(review: Any) -> int:
    from analyzers.text import split_sentences, to_plain

    return len(split_sentences(to_plain(review.draft.text, review.draft.format).text))


# -- parent: compare ---------------------------------------------------------------------------


def agreement(ref: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """How often ``other`` gives the same label as ``ref`` (the fp32 engine), label by label."""
    import numpy as np

    rs, os_ = ref["sentences"], other["sentences"]
    common = [s for s in rs if s in os_]
    res: dict[str, Any] = {"sentences": len(common)}
    if not common:
        return res
    res["sentiment"] = np.mean([rs[s]["sentiment"] == os_[s]["sentiment"] for s in common])
    res["formality_side"] = np.mean([rs[s]["formal"] == os_[s]["formal"] for s in common])
    res["formality_max_abs_diff"] = max(
        abs(rs[s]["formality"] - os_[s]["formality"]) for s in common
    )
    labels = sorted({e for s in common for e in rs[s]["emotions"] + os_[s]["emotions"]})
    per_label = {}
    for lab in labels:
        per_label[lab] = float(
            np.mean([(lab in rs[s]["emotions"]) == (lab in os_[s]["emotions"]) for s in common])
        )
    all_emotions = [rs[s]["emotions"] == os_[s]["emotions"] for s in common]
    res["emotions_min_per_label"] = min(per_label.values()) if per_label else 1.0
    res["emotions_worst_label"] = min(per_label, key=per_label.__getitem__) if per_label else None
    res["emotion_sets_equal"] = float(np.mean(all_emotions))
    res["entity_sets_equal"] = float(
        np.mean([rs[s]["entities"] == os_[s]["entities"] for s in common])
    )
    ref_ents = {(s, *map(str, e)) for s in common for e in rs[s]["entities"]}
    oth_ents = {(s, *map(str, e)) for s in common for e in os_[s]["entities"]}
    if ref_ents or oth_ents:
        res["entities_jaccard"] = len(ref_ents & oth_ents) / len(ref_ents | oth_ents)
    cos = []
    for s in common:
        a, b = np.asarray(rs[s]["embedding"]), np.asarray(os_[s]["embedding"])
        cos.append(float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-9)))
    res["embedding_cosine_min"] = min(cos)
    k = min(len(ref["reviews"]), len(other["reviews"]))
    rr, orv = ref["reviews"][:k], other["reviews"][:k]
    res["reviews_compared"] = k
    for key in ("verdict", "sentiment", "sentence_sentiment", "tone_sentences", "entities"):
        res[f"review_{key}"] = float(
            np.mean([a[key] == b[key] for a, b in zip(rr, orv, strict=True)])
        )
    res["review_findings"] = float(
        np.mean([a["findings"] == b["findings"] for a, b in zip(rr, orv, strict=True)])
    )
    res["review_score_max_abs_diff"] = max(
        abs(a["score"] - b["score"]) for a, b in zip(rr, orv, strict=True)
    )
    return {
        k: (round(float(v), 4) if isinstance(v, (float, np.floating)) else v)
        for k, v in res.items()
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--drafts", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--threads", type=int, default=2, help="review threads of the engine service")
    ap.add_argument(
        "--engine-threads", type=int, default=0, help="torch threads (0 = the engine default)"
    )
    ap.add_argument(
        "--naive-drafts",
        type=int,
        default=0,
        help="review only the first N drafts in the naive mode (0 = all; it is slow)",
    )
    ap.add_argument("--json", type=Path, help="write the results here as JSON")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child:
        res = run_child(
            args.child,
            args.drafts,
            args.seed,
            args.threads,
            args.dump,
            args.naive_drafts,
            args.engine_threads,
        )
        print("RESULT " + json.dumps(res))
        return 0

    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    for m in modes:
        if m not in MODES:
            ap.error(f"unknown mode {m!r}: expected some of {', '.join(MODES)}")
    report: dict[str, Any] = {"machine": machine_info(), "command": " ".join(sys.argv)}
    report["peaks"] = matmul_peaks()
    print(json.dumps(report, indent=1), flush=True)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for m in modes:
            dump = Path(tmp) / f"{m}.json"
            cmd = [
                sys.executable,
                __file__,
                "--child",
                m,
                "--drafts",
                str(args.drafts),
                "--seed",
                str(args.seed),
                "--threads",
                str(args.threads),
                "--naive-drafts",
                str(args.naive_drafts),
                "--engine-threads",
                str(args.engine_threads),
                "--dump",
                str(dump),
            ]
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
            line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
            if proc.returncode != 0 or line is None:
                print(proc.stdout[-3000:], proc.stderr[-5000:], file=sys.stderr)
                raise SystemExit(f"mode {m} failed (exit {proc.returncode})")
            results[m] = json.loads(line[len("RESULT ") :])
            results[m]["labels"] = json.loads(dump.read_text())
            r = results[m]
            print(
                f"{m:6s} {r['drafts_per_s']:7.2f} drafts/s {r['sentences_per_s']:8.1f} sent/s "
                f"p50 {r['p50_ms']:8.0f} ms p95 {r['p95_ms']:8.0f} ms p99 {r['p99_ms']:8.0f} ms "
                f"peak RSS {r['peak_rss_mb']:6.0f} MB {r['gflops']:6.1f} GFLOP/s "
                f"{r['drafts_per_cpu_s']:6.2f} drafts/CPU-s load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    labels = {m: r.pop("labels") for m, r in results.items()}
    if "fp32" in labels:
        for m, r in results.items():
            if m != "fp32":
                r["agreement_with_fp32"] = agreement(labels["fp32"], labels[m])
    summary: dict[str, Any] = {}
    if "naive" in results:
        base = results["naive"]
        for m, r in results.items():
            if m != "naive":
                summary[f"{m}_vs_naive_throughput"] = round(
                    r["drafts_per_s"] / base["drafts_per_s"], 2
                )
                summary[f"{m}_vs_naive_cpu_efficiency"] = round(
                    r["drafts_per_cpu_s"] / base["drafts_per_cpu_s"], 2
                )
                summary[f"{m}_vs_naive_p95"] = round(base["p95_ms"] / r["p95_ms"], 2)
    report["results"] = results
    report["summary"] = summary
    print(json.dumps({"results": results, "summary": summary}, indent=1, default=str))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
