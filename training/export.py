"""Copies a training run's weights into the package: ``analyzers/models/weights/``.

python -m training.export training/out/multitask
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from analyzers.models.predictor import WEIGHTS_DIR, WEIGHTS_NAME


def export(run_dir: Path, name: str) -> None:
    meta = json.loads((run_dir / "model.json").read_text())
    meta["name"] = name
    WEIGHTS_DIR.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(run_dir / "model.safetensors", WEIGHTS_DIR / f"{WEIGHTS_NAME}.safetensors")
    (WEIGHTS_DIR / f"{WEIGHTS_NAME}.json").write_text(json.dumps(meta, indent=1) + "\n")
    size = (WEIGHTS_DIR / f"{WEIGHTS_NAME}.safetensors").stat().st_size
    print(f"exported {run_dir} as {name} to {WEIGHTS_DIR} ({size / 1e6:.1f} MB)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("run_dir", type=Path)
    ap.add_argument("--name", default="minilm-l6-mtl-r32")
    args = ap.parse_args()
    export(args.run_dir, args.name)


if __name__ == "__main__":
    main()
