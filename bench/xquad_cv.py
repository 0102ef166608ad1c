"""Held-out figures of the answer ranker on ../shared/eval/xquad-dev, cross-validated by article.

Each question is answered by the real engine (its own index of xquad-dev/corpus, built once into
train/work/xquad-data) with ranker parameters fitted on train/features.npz minus the rows of the
question's article fold, so no figure comes from rows the model was fitted on. Prints per fold and overall:
facts, same-/cross-language facts, expected file cited, false declines, declined not-in-corpus questions,
median answer characters and p95 latency (ms/question, warm); then hit@1/3/8 per kind (same- and
cross-language) for the passages and for the sentence-level dense hits (files in order of first hit), and 90%
bootstrap intervals of the rates with articles resampled (xquad-dev has 24: a figure moves by several points
with which of them are drawn).

    .venv/bin/python bench/xquad_cv.py [--data-dir DIR] [--features NPZ] [--json OUT] [--no-pairs]

--no-pairs indexes without sentence pairs (CITEBOT_SENTENCE_PAIRS=false; use another --data-dir), so the
engine answers with the model fitted without them, as for an index built before them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from train.fit import FOLDS  # noqa: E402
from train.heldout import XQUAD, Figures, evaluate  # noqa: E402

DATA = ROOT / "train" / "work" / "xquad-data"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data-dir", type=Path, default=DATA)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--features", type=Path, help="fit on these candidate features (default: train/features.npz)")
    ap.add_argument("--limit", type=int, default=0, help="questions per fold (0: all)")
    ap.add_argument("--as-is", action="store_true",
                    help="answer from the index in --data-dir without updating it (bench/chunk_vectors.py)")
    ap.add_argument("--no-pairs", action="store_true", help="index without sentence pairs (the unpaired model)")
    a = ap.parse_args()
    from bot.engine import Engine
    from tests.isolation import settings_for
    from train.corpus import index_or_rebuild

    settings = settings_for(a.data_dir, XQUAD / "corpus", sentence_pairs=not a.no_pairs)
    if not a.as_is:
        index_or_rebuild(settings)
    engine = Engine(settings, build_if_missing=False)
    engine.answer("warm up")
    total = Figures()
    per_fold = {}
    for fold in range(FOLDS):
        figures = evaluate(engine, features=a.features, folds=range(fold, fold + 1), limit=a.limit)
        per_fold[fold] = figures.summary()
        total.rows.extend(figures.rows)
        print(f"fold {fold}: " + " ".join(f"{k}={v}" for k, v in per_fold[fold].items()), flush=True)
    overall = total.summary()
    print("HELD-OUT " + " ".join(f"{k}={v}" for k, v in overall.items()))
    intervals = total.intervals()
    print("90% intervals (articles resampled): " + " ".join(f"{k}={lo}-{hi}" for k, (lo, hi) in intervals.items()))
    hits = total.hits()
    for kind, figures in hits.items():
        print(f"hit@k {kind}: " + " ".join(f"{k}={v}" for k, v in figures.items()))
    if a.json:
        report = {"overall": overall, "intervals": intervals, "folds": per_fold, "hits": hits}
        a.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
