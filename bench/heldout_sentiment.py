"""Sentiment on sentences the head never saw: the hand-written company copy and the developer-tool
blog copy (``training/data/devcopy.tsv``), 5 folds each, every fold scored by a head trained
without it with the shipped recipe (``training.sentence_heads.SHIPPED_FLAGS``).

    python -m training.features      # once
    PYTHONPATH=. python bench/heldout_sentiment.py
    BRANDBOT_FEATS_DIR=DIR PYTHONPATH=. python bench/heldout_sentiment.py   # other features

Also prints fold 0 alone: an encoder fine-tuned by ``training/continue_lora.py`` never saw that
fold of either set, so for such an encoder fold 0 is the only honest figure.
"""

import json
import sys

from training.sentence_heads import copy_out_of_fold, shipped_recipe

args = shipped_recipe(*sys.argv[1:])
print(json.dumps(copy_out_of_fold(args), indent=1))
