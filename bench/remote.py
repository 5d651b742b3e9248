"""Hosted inference against the local fake: throughput, latency and requests saved.

    python bench/remote.py                     # 200 drafts, 80 ms per answer, concurrency 8
    python bench/remote.py --drafts 40 --latency-ms 80 --concurrency 4
    python bench/remote.py --analysis safety   # two hosted safety models (offensive + irony)

The 200-draft burst of bench/burst.py (same generator, same seed) goes through the remote
sentiment analysis twice per service kind — a single-input service (the Inference Providers
router / serverless API: one sentence per request) and a batch service (TEI ``/predict``,
``--batch`` sentences per request) — against ``tests/fakehf`` with an injected service latency.
Drafts arrive at once and are reviewed in batches of 16 by 2 worker threads, as the bot's
executor service does. Reported per kind: wall time, drafts/s and sentences/s, the latency from
the burst's start to each draft's result (p50 / p95), the requests sent, and a second pass of the
same burst (the cache). The embedded side is the tests' deterministic fake predictor, so the
numbers are the remote path's own (HTTP, JSON, redaction, mapping, scheduling), not the model's.

Requests saved are counted, not timed: one request per sentence (no cache, no batching) vs one
per distinct sentence (the cache) vs one per batch of distinct sentences (the cache + TEI).

``--analysis safety`` sends the burst to two hosted safety classifiers instead (the fake's
``acme/offensive`` and ``acme/irony``, as ``BRANDBOT_SAFETY_MODEL`` would list
``…-offensive,…-irony``): every distinct sentence goes to both, plus the occlusion variants that
explain each hosted finding; the expected requests are reported per model.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from common import machine_info, make_drafts, percentile  # noqa: E402

BATCH_DRAFTS = 16
WORKERS = 2


def _docs(drafts: list[str]) -> list[Any]:
    from analyzers.models.base import ModelInput
    from analyzers.text import split_sentences, to_plain

    docs = []
    for text in drafts:
        plain = to_plain(text)
        docs.append(ModelInput(plain, tuple(split_sentences(plain.text))))
    return docs


def _suite(kind: str, fake: Any, args: argparse.Namespace) -> Any:
    import huggingface_hub.constants
    from fakehf import TOKEN
    from model_fakes import FakePredictor

    from analyzers.models.pipelines import ModelSettings
    from analyzers.models.suite import EmbeddedModelSuite
    from analyzers.remote.config import RemoteConfig, RemoteTarget
    from analyzers.remote.suite import load_remote_suite

    huggingface_hub.constants.HF_HUB_OFFLINE = False  # common.py sets it; the fake is local

    def at(model: str) -> RemoteTarget:
        if kind == "single":
            return RemoteTarget("router", model)
        return RemoteTarget("tei", f"{fake.base_url}/tei/{model}")

    safety = args.analysis == "safety"
    config = RemoteConfig(
        targets={} if safety else {"sentiment": at("acme/sentiment-3")},
        safety=(at("acme/offensive"), at("acme/irony")) if safety else (),
        base_url=fake.base_url,
        hub_url=fake.base_url,
        token=TOKEN,
        timeout_s=30,
        deadline_s=600,
        daily_budget=0,
        per_minute=0,
        concurrency=args.concurrency,
        batch_size=args.batch,
    )
    return load_remote_suite(
        ModelSettings(hf_token=None), config, local=EmbeddedModelSuite(FakePredictor())
    )


def _burst(suite: Any, docs: list[Any], guide: Any, analysis: str) -> dict[str, Any]:
    batches = [docs[i : i + BATCH_DRAFTS] for i in range(0, len(docs), BATCH_DRAFTS)]
    done: list[float] = []
    fallbacks = 0
    hosted_findings = 0  # Tone.Offensive / Tone.Sarcasm (what the safety models decide)
    lock = threading.Lock()
    t0 = time.perf_counter()

    def work(batch: list[Any]) -> None:
        nonlocal fallbacks, hosted_findings
        outs = suite.analyze(batch, guide, analyses=(analysis,))
        now = time.perf_counter() - t0
        with lock:
            done.extend([now] * len(batch))
            fallbacks += sum(not o.backends.get(analysis, "").startswith("remote") for o in outs)
            hosted_findings += sum(
                f.rule_id in ("Tone.Offensive", "Tone.Sarcasm") for o in outs for f in o.findings
            )

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(work, batches))
    wall = time.perf_counter() - t0
    return {
        "wall_s": round(wall, 2),
        "drafts_per_s": round(len(docs) / wall, 1),
        "p50_s": round(percentile(done, 50), 2),
        "p95_s": round(percentile(done, 95), 2),
        "fallbacks": fallbacks,
        "offensive_or_sarcasm_findings": hosted_findings,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--drafts", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=80.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--kinds", default="single,batch")
    parser.add_argument("--analysis", choices=("sentiment", "safety"), default="sentiment")
    args = parser.parse_args()

    from fakehf import FakeHFThread
    from model_fakes import make_guide

    from analyzers.models.suite import sentence_ranges
    from analyzers.remote.redact import personal_spans, redact_range

    drafts = make_drafts(args.drafts)
    docs = _docs(drafts)
    guide = make_guide()
    # what would be sent: every sentence, redacted as the suite does (names: none from the fake)
    sent: list[str] = []
    for d in docs:
        spans = personal_spans(d.plain.text)
        sent += [redact_range(d.plain.text, s, e, spans).sent for s, e in sentence_ranges(d)]
    distinct = len(set(sent))
    result: dict[str, Any] = {
        "machine": machine_info(),
        "drafts": len(docs),
        "sentences": len(sent),
        "distinct_sentences": distinct,
        "analysis": args.analysis,
        "latency_ms": args.latency_ms,
        "concurrency": args.concurrency,
        "requests_naive": len(sent),
        "requests_with_cache": distinct,
        "requests_with_cache_and_batching": math.ceil(distinct / args.batch),
        "kinds": {},
    }
    for kind in args.kinds.split(","):
        with FakeHFThread() as fake:
            fake.latency_s = args.latency_ms / 1000
            suite = _suite(kind, fake, args)
            try:
                cold = _burst(suite, docs, guide, args.analysis)
                cold["requests"] = len(fake.requests)
                if args.analysis == "safety":
                    cold["requests_per_model"] = {
                        m: sum(
                            r.path.rstrip("/").split("/predict")[0].endswith(m)
                            for r in fake.requests
                        )
                        for m in ("acme/offensive", "acme/irony")
                    }
                cold["sentences_per_s"] = round(len(sent) / cold["wall_s"], 1)
                before = len(fake.requests)
                warm = _burst(suite, docs, guide, args.analysis)
                warm["requests"] = len(fake.requests) - before
                result["kinds"][kind] = {"first_pass": cold, "same_burst_again": warm}
            finally:
                suite.close()
        print(f"{kind}: {json.dumps(result['kinds'][kind])}", flush=True)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    sys.exit(main())
