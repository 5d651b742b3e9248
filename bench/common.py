"""Shared pieces of the benchmarks: the draft generator, machine facts, matmul peaks, RSS.

Benchmarks print numbers; they never assert on time. Run them from the repository root, e.g.
``python bench/burst.py``.
"""

from __future__ import annotations

import os
import platform
import random
import re
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", message=".*quantize_per_tensor.*")

MINILM_FLOP_PER_TOKEN = 22e6  # all-MiniLM-L6-v2 forward, per token (2 x multiply-adds)

# -- drafts ----------------------------------------------------------------------------------

_PRODUCTS = ["Acme Cloud", "Acme Flow", "Beacon", "the Insights dashboard", "our mobile app"]
_AUDIENCES = ["marketing teams", "developers", "finance leaders", "small businesses", "agencies"]
_BENEFITS = [
    "ship campaigns twice as fast",
    "cut reporting time in half",
    "keep every launch on brand",
    "see what customers really think",
    "turn feedback into action",
    "collaborate without the busywork",
]
_TEMPLATES = [
    "{product} helps {audience} {benefit}.",
    "We're thrilled to announce that {product} now lets {audience} {benefit}!",
    "With {product}, {audience} can finally {benefit}.",
    "Honestly, we think {product} might be the best way to {benefit}, but we could be wrong.",
    "Unfortunately, the last release of {product} frustrated many {audience}, and we are sorry.",
    "Join thousands of {audience} who already use {product} to {benefit}.",
    "Our team at Acme Corp in Berlin worked with Microsoft and Salesforce on this update.",
    "Starting Monday, {product} is available in London, Paris and New York.",
    "Maria Lopez, head of design, says {product} is the reason her team can {benefit}.",
    "Try {product} free for 30 days and {benefit}.",
    "It is, in our opinion, a guaranteed #1 solution for {audience}.",
    "Don't settle for less: {product} makes it easy to {benefit}.",
    "Thanks to everyone who sent feedback; you shaped {product}.",
    "We are worried that {audience} still struggle to {benefit}.",
    "wow, {product} is SO good, u guys have to try it lol",
    "Please find attached the quarterly summary of {product} adoption among {audience}.",
]


def example_sentences() -> list[str]:
    """Sentences from examples/drafts (when present), split on sentence punctuation."""
    out: list[str] = []
    folder = ROOT / "examples" / "drafts"
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() in {".txt", ".md"}:
                text = path.read_text(encoding="utf-8", errors="replace")
                text = re.sub(r"[#*_`>]+", " ", text)
                for s in re.split(r"(?<=[.!?])\s+", text):
                    s = " ".join(s.split())
                    if 3 <= len(s.split()) <= 60:
                        out.append(s)
    return out


_DETAILS = [
    "this quarter",
    "starting {month} {day}",
    "for {n} teams in {city}",
    "after {n} customer interviews",
    "with {n}% less effort",
    "in version {major}.{minor}",
    "across {n} countries",
    "before the {month} release",
]
_MONTHS = ["January", "March", "May", "June", "September", "October", "November"]
_CITIES = ["Berlin", "Lisbon", "Toronto", "Austin", "Singapore", "Leeds", "Lyon"]


def generated_sentence(rng: random.Random) -> str:
    """A marketing sentence; a random detail makes most of them distinct, as real drafts are."""
    s = rng.choice(_TEMPLATES).format(
        product=rng.choice(_PRODUCTS),
        audience=rng.choice(_AUDIENCES),
        benefit=rng.choice(_BENEFITS),
    )
    if rng.random() < 0.85:
        detail = rng.choice(_DETAILS).format(
            month=rng.choice(_MONTHS),
            day=rng.randint(1, 28),
            n=rng.randint(2, 900),
            city=rng.choice(_CITIES),
            major=rng.randint(1, 9),
            minor=rng.randint(0, 30),
        )
        s = f"{s[:-1]} {detail}{s[-1]}"
    return s


def make_drafts(
    n: int,
    *,
    seed: int = 7,
    min_words: int = 20,
    max_words: int = 500,
    example_share: float = 0.15,
) -> list[str]:
    """``n`` seeded drafts of ``min_words``..``max_words`` words mixing the example drafts'
    sentences with generated marketing sentences, in paragraphs."""
    rng = random.Random(seed)
    examples = example_sentences()
    drafts: list[str] = []
    for _ in range(n):
        target = rng.randint(min_words, max_words)
        words = 0
        paragraphs: list[list[str]] = [[]]
        while words < target:
            use_example = bool(examples) and rng.random() < example_share
            s = rng.choice(examples) if use_example else generated_sentence(rng)
            paragraphs[-1].append(s)
            words += len(s.split())
            if rng.random() < 0.2:
                paragraphs.append([])
        drafts.append("\n\n".join(" ".join(p) for p in paragraphs if p))
    return drafts


def draft_of_words(n_words: int, seed: int = 11) -> str:
    """One draft of about ``n_words`` words (whole sentences)."""
    rng = random.Random(seed)
    examples = example_sentences()
    out: list[str] = []
    words = 0
    while words < n_words:
        s = rng.choice(examples) if examples and rng.random() < 0.5 else generated_sentence(rng)
        out.append(s)
        words += len(s.split())
    return " ".join(out)


# -- machine ---------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine_info() -> dict[str, object]:
    import torch

    info: dict[str, object] = {
        "cpu": cpu_model(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def matmul_peaks(seconds: float = 1.0) -> dict[str, float]:
    """Best-of fp32 ``torch.matmul`` GFLOP/s and int8 GOP/s (``torch._int_mm`` and a dynamic
    int8 ``nn.Linear``), measured on 1024x1024 operands on this machine."""
    import torch

    n = 1024
    ops = 2 * n**3
    out: dict[str, float] = {}

    def best(fn: Callable[[], object]) -> float:
        for _ in range(3):
            fn()
        best_dt = float("inf")
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            t0 = time.perf_counter()
            fn()
            best_dt = min(best_dt, time.perf_counter() - t0)
        return ops / best_dt / 1e9

    a = torch.randn(n, n)
    b = torch.randn(n, n)
    out["fp32_matmul_gflops"] = best(lambda: torch.matmul(a, b))
    try:
        ai = torch.randint(-128, 127, (n, n), dtype=torch.int8)
        bi = torch.randint(-128, 127, (n, n), dtype=torch.int8)
        out["int8_int_mm_gops"] = best(lambda: torch._int_mm(ai, bi))
    except (RuntimeError, AttributeError):
        pass
    lin = torch.nn.Sequential(torch.nn.Linear(n, n))
    q = torch.ao.quantization.quantize_dynamic(lin, {torch.nn.Linear}, dtype=torch.qint8)
    with torch.inference_mode():
        out["int8_dynamic_linear_gops"] = best(lambda: q(a))
    return {k: round(v, 1) for k, v in out.items()}


# -- memory ----------------------------------------------------------------------------------


def rss_mb() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / 2**20


@contextmanager
def peak_rss(interval: float = 0.02) -> Iterator[dict[str, float]]:
    """Samples RSS in a thread while the block runs; yields a dict that gets ``peak_mb``."""
    result = {"peak_mb": rss_mb()}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            result["peak_mb"] = max(result["peak_mb"], rss_mb())
            stop.wait(interval)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    try:
        yield result
    finally:
        stop.set()
        t.join()
        result["peak_mb"] = max(result["peak_mb"], rss_mb())


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


@dataclass
class Timer:
    start: float = 0.0

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.elapsed = time.perf_counter() - self.start


# -- the cost of a part of the model ---------------------------------------------------------


def predictor_cost(
    variants: list[tuple[str, Callable[[object], None]]], repeats: int, sentences: int
) -> None:
    """Best-of-``repeats`` time of the int8 predictor's ``raw`` over ``sentences`` sentences of
    developer-tool copy and over 8 windowed "sentences" of 12 each, for each variant (its callable
    sets the predictor up), alternating in one process. Prints each time and the ratio of the
    first variant (the shipped one) to the second (the baseline)."""
    import csv

    import torch

    from analyzers.engine import default_threads
    from analyzers.serving import load_predictor_backend

    torch.set_num_threads(default_threads())
    with (ROOT / "training/data/devcopy.tsv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    texts = [r["text"] for r in rows[:sentences]]
    long = [" ".join(texts[i : i + 12]) for i in range(0, 96, 12)]
    predictor = load_predictor_backend(precision="int8", device="cpu").predictor
    (first, _), (second, _) = variants[0], variants[1]
    for name, batch in (("sentences", texts), ("long", long)):
        best = {label: float("inf") for label, _ in variants}
        for _ in range(repeats):
            for label, setup in variants:
                setup(predictor)
                t0 = time.perf_counter()
                predictor.raw(batch)
                best[label] = min(best[label], time.perf_counter() - t0)
        variants[0][1](predictor)  # leave it as shipped
        times = ", ".join(f"{label} {best[label] * 1000:.0f} ms" for label, _ in variants)
        print(f"{name}: {len(batch)} texts, {times}, ratio {best[first] / best[second]:.3f}")


def predictor_cost_main(
    doc: str, variants: list[tuple[str, Callable[[object], None]]], argv: list[str] | None = None
) -> None:
    """A cost bench's command line (``--repeats``, ``--sentences``) around ``predictor_cost``."""
    import argparse

    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--sentences", type=int, default=512)
    args = ap.parse_args(argv)
    predictor_cost(variants, args.repeats, args.sentences)


def without_part(
    owner: Callable[[Any], Any], name: str, baseline: str
) -> list[tuple[str, Callable[[object], None]]]:
    """The two variants of a cost bench that takes one part out of the predictor: ``shipped``
    (``owner(predictor).<name>`` as loaded) and ``baseline`` (that attribute set to None)."""
    kept: dict[str, Any] = {}

    def shipped(predictor: object) -> None:
        obj = owner(predictor)
        kept.setdefault("part", getattr(obj, name))
        if kept["part"] is None:
            raise SystemExit(f"these weights have no {name}")
        setattr(obj, name, kept["part"])

    def without(predictor: object) -> None:
        setattr(owner(predictor), name, None)

    return [("shipped", shipped), (baseline, without)]


def print_report(report: object, path: Path | None) -> None:
    """Print a bench's JSON report, and write it to ``path`` (``--json``) when given."""
    import json

    text = json.dumps(report, indent=1)
    print(text)
    if path is not None:
        path.write_text(text + "\n", encoding="utf-8")


def served_reviewer(guide: Path = ROOT / "examples" / "brand-guide.yaml") -> Any:
    """The reviewer as the bot runs it: rules + the embedded models (int8 on CPU, the threads
    the engine sets) under ``guide`` (the example guide by default)."""
    import torch

    from analyzers import Reviewer, load_guide
    from analyzers.engine import default_threads
    from analyzers.models.suite import EmbeddedModelSuite
    from analyzers.serving import load_predictor_backend

    torch.set_num_threads(default_threads())
    predictor = load_predictor_backend(precision="int8", device="cpu").predictor
    return Reviewer(load_guide(guide), EmbeddedModelSuite(predictor))
