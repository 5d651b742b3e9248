#!/usr/bin/env bash
# The GPU training run that produced the committed weights (one H100, ~6 minutes wall-clock).
# Trains the shipped multi-task model and, in parallel on the same GPU, the comparison models
# (single-task models for "one pass vs separate passes", an embedding-preserving variant, r=32).
# Expects .devcarry/minilm (MiniLM config/tokenizer + weights as fp16 safetensors) and
# .devcarry/data.npz (python -m training.data); writes to ${OUT:-training/out/gpu}.
set -u
OUT=${OUT:-training/out/gpu}
RUNS=${RUNS:-/tmp/brandbot_runs}  # many small files: only the tarball and the log go to $OUT
export BRANDBOT_MINILM_DIR=.devcarry/minilm PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
DATA=.devcarry/data.npz
DL=${DEADLINE_S:-330}
mkdir -p "$OUT" "$RUNS"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
python3 -c "import torch, transformers; print(torch.__version__, transformers.__version__)"
run() { name=$1; shift; python3 -m training.train --data $DATA --out "$RUNS/$name" \
          --threads 2 --deadline-s "$DL" ${EXTRA:-} "$@" > "$RUNS/$name.log" 2>&1 & }
if [ "${STAGE:-compare}" = compare ]; then
  # run 1: 7 models at once (they share the GPU, so each got 1 epoch under the deadline)
  run multitask
  run multitask_distill --distill 0.5
  run multitask_r32 --r 32 --alpha 64
  run single_sentiment --tasks sentiment
  run single_emotions --tasks emotions
  run single_formality --tasks formality
  run single_entities --tasks entities
else
  # run 2: the shipped model (r=32, CoNLL seen twice per epoch) with and without the
  # embedding-preserving loss, 3 epochs
  run ship --r 32 --alpha 64 --repeat conll=2
  run ship_distill --r 32 --alpha 64 --repeat conll=2 --distill 0.5
fi
wait
tail -n 4 "$RUNS"/*.log
for d in "$RUNS"/*/; do n=$(basename "$d"); for f in "$d"*; do cp "$f" "$OUT/${n}__$(basename "$f")"; done; done 2>/dev/null
ls -la "$OUT"
