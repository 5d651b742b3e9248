"""How the blame phrase list (``analyzers/scolding.py``) reads the hand-labelled copy.

For each labelled set: sentences flagged ``scold`` that the list finds (recall), and sentences
the list finds that carry no ``scold`` flag (its false alarms, printed), plus its matches on
realcopy-dev (real company copy; none of it blames the reader) when ``../shared`` is there.

    python bench/scolding.py [--show]
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analyzers.paths import shared_dir  # noqa: E402
from analyzers.scolding import scolding_words  # noqa: E402

SETS = {
    "company copy": ROOT / "training/data/companycopy.tsv",
    "developer-tool copy": ROOT / "training/data/devcopy.tsv",
}


def main() -> None:
    show = "--show" in sys.argv
    for name, path in SETS.items():
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
        flagged = [r for r in rows if "scold" in r["flags"]]
        found = [r for r in flagged if scolding_words(r["text"])]
        alarms = [r for r in rows if "scold" not in r["flags"] and scolding_words(r["text"])]
        print(
            f"{name}: {len(rows)} sentences; scold-flagged found {len(found)}/{len(flagged)}; "
            f"matches on unflagged sentences {len(alarms)}"
        )
        for r in alarms:
            print(f"   unflagged [{r['flags']}]: {scolding_words(r['text'])} | {r['text'][:100]}")
        if show:
            for r in flagged:
                mark = "+" if scolding_words(r["text"]) else "-"
                print(f"   {mark} {r['text'][:110]}")
    dev = shared_dir() / "data/realcopy-dev/dev.jsonl"
    if dev.exists():
        paras = [json.loads(line) for line in dev.read_text(encoding="utf-8").splitlines()]
        hits = [(p["id"], scolding_words(p["text"])) for p in paras if scolding_words(p["text"])]
        print(f"realcopy-dev: {len(paras)} paragraphs; matches {hits}")


if __name__ == "__main__":
    main()
