"""Held-out figures of the answer engine when the corpus is small: one, three or eight files of xquad-dev.

A user's folder may be a single report. The ranker and its calibrator are fitted on corpora of ~27 files;
this asks, fold by fold (parameters fitted without the fold's articles, as bench/xquad_cv.py), each group
of `size` files of the fold the questions of its articles, and questions of other articles that it must
decline (train/heldout.py: evaluate_small). Prints per size: facts, same-/cross-language facts, file
cited, false declines, declined other-article questions, median answer characters.

    .venv/bin/python bench/xquad_small.py [--sizes 1,3,8] [--features NPZ] [--data-dir DIR] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from train.heldout import XQUAD, evaluate_small  # noqa: E402

DATA = ROOT / "train" / "work" / "xquad-data"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="1,3,8")
    ap.add_argument("--data-dir", type=Path, default=DATA)
    ap.add_argument("--features", type=Path, help="fit on these candidate features (default: train/features.npz)")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    from bot.engine import Engine
    from tests.isolation import settings_for
    from train.corpus import index_or_rebuild

    settings = settings_for(a.data_dir, XQUAD / "corpus")
    index_or_rebuild(settings)
    engine = Engine(settings, build_if_missing=False)
    engine.answer("warm up")
    out = {}
    for size in (int(x) for x in a.sizes.split(",")):
        out[size] = evaluate_small(engine, size, features=a.features).summary()
        out[size].pop("p95_ms", None)
        print(f"size {size}: " + " ".join(f"{k}={v}" for k, v in out[size].items()), flush=True)
    if a.json:
        a.json.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
