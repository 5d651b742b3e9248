"""W8A8 int8 Linear layers for CPU inference: per-token activations, per-channel weights.

Why not ``torch.ao.quantization.quantize_dynamic``: it quantizes each activation *tensor* with
one scale. BERT-style encoders carry large outliers in a few channels and tokens ([CLS], [SEP],
padding), so one scale for the whole batch wipes out the ordinary tokens: on all-MiniLM-L6-v2 it
gave a mean embedding cosine of 0.93 to fp32 (minimum 0.65), which flips labels. Here each token
row gets its own scale, each output channel of the weight its own scale, and channel outliers
are first migrated from the activations into the weights (SmoothQuant, Xiao et al. 2023:
``s_j = max|X_j|^a / max|W_j|^(1-a)``, ``X' = X / s``, ``W' = W * s``) using per-channel
activation maxima measured on calibration text. The matrix product is ``torch._int_mm`` (int8 x
int8 -> int32, AVX-512 VNNI through oneDNN on x86), about 10x the fp32 matmul rate on the
2-core EPYC we target.

Measured on MiniLM-L6 (192 held-out sentences): embedding cosine to fp32 mean 0.9987, min 0.992
with smoothing (alpha 0.7); 0.9956 / 0.961 without; 0.93 / 0.65 with ``quantize_dynamic``.
Label agreement and task metrics of the shipped setting (alpha 0.55, asymmetric activations,
one Linear kept in fp32): docs/benchmarks.md.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import torch
from torch import nn

log = logging.getLogger(__name__)

DEFAULT_ALPHA = 0.55
# Linear layers left in fp32: the first FFN output carries the widest activation outliers of
# the model; keeping it (1/36 of the Linears, ~15% more encoder time) lifted every label's
# int8-vs-fp32 agreement above 99% (docs/benchmarks.md)
KEEP_FP32 = ("layer.0.output.dense",)
CALIBRATION_FORMAT = "brandbot-int8-calibration-1"


@functools.lru_cache(maxsize=1)
def int_mm_available() -> bool:
    """True when ``torch._int_mm`` runs (exactly) on this CPU build."""
    try:
        a = torch.randint(-127, 127, (3, 40), dtype=torch.int8)
        b = torch.randint(-127, 127, (40, 24), dtype=torch.int8)
        return bool(torch.equal(torch._int_mm(a, b), a.int() @ b.int()))
    except (RuntimeError, AttributeError):
        return False


class Int8Linear(nn.Module):
    """A frozen ``nn.Linear`` computed as int8 x int8 -> int32 with fp32 scales.

    ``smooth`` (per input channel, optional) divides the input before quantization; the weight
    was multiplied by it, so the product is unchanged in exact arithmetic. ``asymmetric``
    quantizes each token over its own [min, max] instead of [-max, max] (one more bit for
    one-sided inputs such as GELU outputs); the zero point is folded back with the weight's
    column sums.
    """

    weight_t: torch.Tensor  # (in, out) int8
    w_scale: torch.Tensor  # (out,) fp32
    col_sum: torch.Tensor  # (1, out) fp32: sum over inputs of the int8 weight
    bias: torch.Tensor | None
    inv_smooth: torch.Tensor | None  # (in,) fp32

    def __init__(
        self,
        weight: torch.Tensor,
        bias: torch.Tensor | None,
        smooth: torch.Tensor | None = None,
        *,
        asymmetric: bool = False,
    ) -> None:
        super().__init__()
        w = weight.detach().float()
        if smooth is not None:
            smooth = smooth.detach().float().clamp(min=1e-5)
            w = w * smooth[None, :]
        scale = w.abs().amax(dim=1).clamp(min=1e-8) / 127.0
        self.out_features, self.in_features = int(w.shape[0]), int(w.shape[1])
        wq = torch.round(w / scale[:, None]).to(torch.int8)
        self.asymmetric = asymmetric
        self.register_buffer("weight_t", wq.t().contiguous())
        self.register_buffer("col_sum", wq.float().sum(dim=1)[None, :].contiguous())
        self.register_buffer("w_scale", scale.contiguous())
        self.register_buffer("bias", None if bias is None else bias.detach().float().contiguous())
        self.register_buffer("inv_smooth", None if smooth is None else (1.0 / smooth).contiguous())

    @classmethod
    def from_linear(
        cls,
        linear: nn.Linear,
        act_amax: torch.Tensor | None = None,
        alpha: float = DEFAULT_ALPHA,
        *,
        asymmetric: bool = False,
    ) -> Int8Linear:
        smooth = None
        if act_amax is not None and alpha > 0:
            w_amax = linear.weight.detach().float().abs().amax(dim=0).clamp(min=1e-5)
            smooth = act_amax.float().clamp(min=1e-5) ** alpha / w_amax ** (1.0 - alpha)
        return cls(linear.weight, linear.bias, smooth, asymmetric=asymmetric)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        x2 = x.reshape(-1, self.in_features).float()
        if self.inv_smooth is not None:
            x2 = x2 * self.inv_smooth
        # (written for speed: fused/in-place steps; aminmax, vector_norm and broadcast division
        # along rows measured 10-20x slower than these on the target CPU)
        if self.asymmetric:
            lo = x2.amin(dim=1, keepdim=True)
            sx = (x2.amax(dim=1, keepdim=True) - lo).clamp_(min=1e-8).div_(255.0)
            inv = sx.reciprocal()
            off = (lo * inv).add_(128.0).neg_()  # q = x / sx - (lo / sx + 128), in [-128, 127]
            xq = (x2 * inv).add_(off).round_().to(torch.int8)
            acc = torch._int_mm(xq, self.weight_t).float().mul_(sx)
            acc.addmm_(sx * 128.0 + lo, self.col_sum)  # the zero point times the column sums
        else:
            sx = x2.abs().amax(dim=1, keepdim=True).clamp_(min=1e-8).div_(127.0)
            xq = (x2 * sx.reciprocal()).round_().to(torch.int8)
            acc = torch._int_mm(xq, self.weight_t).float().mul_(sx)
        y = (
            torch.addcmul(self.bias, acc, self.w_scale)
            if self.bias is not None
            else acc.mul_(self.w_scale)
        )
        return y.reshape(*shape[:-1], self.out_features).to(x.dtype)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"smoothed={self.inv_smooth is not None}, asymmetric={self.asymmetric}"
        )


def linear_names(module: nn.Module, prefix_filter: str = "") -> list[str]:
    return [
        name
        for name, m in module.named_modules()
        if isinstance(m, nn.Linear) and name.startswith(prefix_filter)
    ]


def calibrate(
    module: nn.Module,
    run: Callable[[str], object],
    sentences: Iterable[str],
    names: Sequence[str] | None = None,
) -> dict[str, torch.Tensor]:
    """Per-input-channel max |activation| of every ``nn.Linear`` in ``module``.

    ``run(sentence)`` must run one sentence (no padding) through the model.
    """
    wanted = set(names if names is not None else linear_names(module))
    amax: dict[str, torch.Tensor] = {}

    def hook(name: str) -> Callable[[nn.Module, tuple[torch.Tensor, ...], object], None]:
        def record(_m: nn.Module, inputs: tuple[torch.Tensor, ...], _out: object) -> None:
            x = inputs[0].detach().float()
            cur = x.reshape(-1, x.shape[-1]).abs().amax(dim=0)
            prev = amax.get(name)
            amax[name] = cur if prev is None else torch.maximum(prev, cur)

        return record

    handles = [
        m.register_forward_hook(hook(n))
        for n, m in module.named_modules()
        if n in wanted and isinstance(m, nn.Linear)
    ]
    try:
        with torch.inference_mode():
            for s in sentences:
                run(s)
    finally:
        for h in handles:
            h.remove()
    return amax


def quantize_linears(
    module: nn.Module,
    act_amax: Mapping[str, torch.Tensor] | None = None,
    *,
    alpha: float = DEFAULT_ALPHA,
    names: Sequence[str] | None = None,
    asymmetric: Callable[[str], bool] | bool = False,
) -> list[str]:
    """Replace ``module``'s Linear layers (all, or ``names``) by :class:`Int8Linear` in place.

    With ``act_amax`` (from :func:`calibrate`) each layer is smoothed; returns the names."""
    targets = list(names if names is not None else linear_names(module))
    for name in targets:
        linear = module.get_submodule(name)
        if not isinstance(linear, nn.Linear):
            raise TypeError(f"{name} is {type(linear).__name__}, not nn.Linear")
        amax = None if act_amax is None else act_amax.get(name)
        asym = asymmetric(name) if callable(asymmetric) else asymmetric
        q = Int8Linear.from_linear(linear, amax, alpha, asymmetric=asym)
        parent_name, _, child = name.rpartition(".")
        parent = module.get_submodule(parent_name) if parent_name else module
        setattr(parent, child, q)
    return targets


def save_calibration(path: Path, amax: Mapping[str, torch.Tensor], version: str) -> None:
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().float().contiguous() for k, v in amax.items()}
    save_file(tensors, str(path), metadata={"format": CALIBRATION_FORMAT, "version": version})


def load_calibration(path: Path, version: str | None = None) -> dict[str, torch.Tensor] | None:
    """The stored activation maxima, or ``None`` when missing or made for other weights."""
    if not path.is_file():
        return None
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata() or {}
        if meta.get("format") != CALIBRATION_FORMAT:
            log.warning("ignoring %s: not an int8 calibration file", path)
            return None
        if version is not None and meta.get("version") != version:
            log.warning(
                "ignoring %s: calibrated for weights %s, loaded weights are %s",
                path,
                meta.get("version"),
                version,
            )
            return None
        return {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118


# -- the embedded predictor ------------------------------------------------------------------

CALIBRATION_FILE = Path(__file__).resolve().parent / "weights" / "int8_calibration.safetensors"

# used when no calibration file matches the loaded weights: varied registers and lengths
BUILTIN_CALIBRATION = (
    "Hello.",
    "Thanks!",
    "OK, thanks.",
    "lol that's so true 😂",
    "wow this is SO good, u guys have to try it",
    "We're thrilled to announce that Northwind Lumen now ships with single sign-on!",
    "Please find attached the quarterly summary of adoption among enterprise customers.",
    "Unfortunately, yesterday's outage frustrated many of our customers, and we are sorry.",
    "Maria Lopez, head of design at Acme Corp in Berlin, met Microsoft and Salesforce in Paris.",
    "Starting Monday 3 March 2025, prices rise by 12% in the US, the UK and Germany.",
    "Honestly, we think it might be the best option, but we could be wrong about that.",
    "Our guaranteed #1 solution is better than anything Contoso or Fabrikam sell.",
    "I am so angry and disappointed with how this was handled, it is a disgrace.",
    "The committee shall review the proposal and respond within thirty business days.",
    "Try it free for 30 days: no credit card, no setup, no risk.",
    "What a beautiful, surprising and moving film; I loved every minute of it.",
    "the plot is dull , the acting wooden and the jokes fall flat .",
    "Join thousands of marketing teams who already use our platform to ship campaigns faster, "
    "keep every launch on brand and turn customer feedback into action, all from one place "
    "that your whole company can reach from Slack, email or the web.",
    "EU leaders met in Brussels on Tuesday; Germany's chancellor said talks would continue.",
    "I'm worried we won't make the deadline, and I'm not sure what to tell the client.",
    "Congratulations to the whole team on an amazing launch — thank you all!",
    "Why does the app keep crashing when I upload a PDF?",
    "@dave check out the new iPhone, it's insane",
    "BREAKING: Apple Inc. shares fell 3% after the announcement.",
)


def find_encoder(predictor: object) -> tuple[nn.Module, nn.Module]:
    """(the predictor's model, its encoder) — ``model.bert`` when present, else the model."""
    for attr in ("model", "_model", "net"):
        model = getattr(predictor, attr, None)
        if isinstance(model, nn.Module):
            encoder = getattr(model, "bert", None) or getattr(model, "encoder", None) or model
            if not isinstance(encoder, nn.Module):
                encoder = model
            return model, encoder
    raise TypeError(f"cannot find the torch model inside {type(predictor).__name__}")


def convert_predictor(
    predictor: object,
    *,
    calibration: Path | None = CALIBRATION_FILE,
    alpha: float = DEFAULT_ALPHA,
    asymmetric: bool = True,
    keep_fp32: Sequence[str] = KEEP_FP32,
) -> str:
    """Turn an fp32 CPU predictor's encoder Linear layers into :class:`Int8Linear` in place.

    Uses the committed calibration when it matches ``predictor.version``, else calibrates on
    :data:`BUILTIN_CALIBRATION`. Returns where the calibration came from.
    """
    _, encoder = find_encoder(predictor)
    version = str(getattr(predictor, "version", ""))
    amax = load_calibration(calibration, version) if calibration is not None else None
    source = str(calibration)
    if amax is None:
        predict = getattr(predictor, "predict")  # noqa: B009
        amax = calibrate(encoder, lambda s: predict([s]), BUILTIN_CALIBRATION)
        source = "built-in sentences"
    names = [
        n
        for n in linear_names(encoder)
        if not any(n.endswith(k) and "attention" not in n for k in keep_fp32)
    ]
    quantize_linears(encoder, amax, alpha=alpha, names=names, asymmetric=asymmetric)
    return source


def calibration_sentences(shared: Path, per_set: int = 120) -> list[str]:
    """Calibration text from the training data in ``shared/data`` (never shipped)."""
    import csv
    import random

    rng = random.Random(0)
    data = shared / "data"
    sets: list[list[str]] = []
    lines = (data / "sst2" / "train.tsv").read_text(encoding="utf-8").splitlines()[1:]
    sets.append([ln.split("\t")[0].strip() for ln in lines])
    lines = (data / "goemotions" / "train.tsv").read_text(encoding="utf-8").splitlines()
    sets.append([ln.split("\t")[0] for ln in lines])
    sents: list[str] = []
    cur: list[str] = []
    for ln in (data / "conll2003" / "train.txt").read_text(encoding="utf-8").splitlines():
        if not ln.strip() or ln.startswith("-DOCSTART-"):
            if cur:
                sents.append(" ".join(cur))
            cur = []
        else:
            cur.append(ln.split(" ")[0])
    sets.append(sents)
    with (data / "formality" / "pavlick" / "train.csv").open(encoding="utf-8") as f:
        sets.append([row["text"] for row in csv.DictReader(f)])
    out = list(BUILTIN_CALIBRATION)
    for s in sets:
        out.extend(rng.sample(s, min(per_set, len(s))))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m analyzers.models.int8``: recompute the committed calibration file."""
    import argparse

    from analyzers.paths import shared_dir

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--out", type=Path, default=CALIBRATION_FILE)
    ap.add_argument("--per-set", type=int, default=120)
    ap.add_argument("--weights", type=Path, help="weights folder (default: the shipped weights)")
    ap.add_argument(
        "--reuse",
        type=Path,
        help="a calibration file whose shared layers are kept as they are (so that with a new "
        "branch they compute bit for bit what they did); only the branch is calibrated",
    )
    args = ap.parse_args(argv)
    from analyzers.models.predictor import load_embedded_predictor

    torch.manual_seed(0)
    predictor = load_embedded_predictor(device="cpu", quantize=False, weights_dir=args.weights)
    _, encoder = find_encoder(predictor)
    sentences = calibration_sentences(shared_dir(), args.per_set)
    kept: dict[str, torch.Tensor] = {}
    if args.reuse is not None:
        loaded = load_calibration(args.reuse) or {}
        kept = {k: v for k, v in loaded.items() if not k.startswith("branch.")}
        if not kept:
            raise SystemExit(f"--reuse: {args.reuse} is not an int8 calibration file")
    layers = linear_names(encoder)
    names = [n for n in layers if n not in kept]
    amax = calibrate(encoder, lambda s: predictor.predict([s]), sentences, names)
    amax.update({k: kept[k] for k in layers if k in kept})
    save_calibration(args.out, amax, str(predictor.version))
    print(
        f"wrote {args.out}: {len(amax)} layers ({len(amax) - len(names)} kept from "
        f"{args.reuse}) from {len(sentences)} sentences"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
