"""The held-out evaluation's fold parameters, fitted once and committed: train/folds/fold{0..3}.json.

Why: train/heldout.py (tests/eval/test_xquad_floor.py, bench/xquad_cv.py, bench/xquad_small.py) answers each
fold of xquad-dev's articles with ranker parameters fitted without that fold's rows: four fits of ~16 s, over a
minute of a 10-minute CI budget. The fits are deterministic functions of the features and the fit's code, so,
like the shipped parameters (bot/ranker_params.json and train/fit_record.json), they are written once and
committed with a record (train/folds/record.json) of the SHA-256 of what they were fitted from (train/fit.py's
`fit_inputs`, and this file, which cuts the folds) and of each file written. `fold_params` uses a committed
file only while the record names today's inputs and the file's hash is the recorded one; otherwise it fits.

`python -m train.folds` rewrites the files (re-run it after `python -m train.fit`); `--check` refits and
exits 1 when a committed file or the record differs from the fit, writing nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from train.fit import FOLDS, HERE, ROOT, Data, _sha256, dumps, fit_both, fit_inputs, folds_of, load

FOLDS_DIR = HERE / "folds"  # the record names the files from the repository root: train/folds/...


def name(fold: int) -> str:
    """The fold's file as the record names it (from the repository root)."""
    return f"train/folds/fold{fold}.json"


def fold_file(fold: int) -> Path:
    return FOLDS_DIR / f"fold{fold}.json"


def record_file() -> Path:
    return FOLDS_DIR / "record.json"


def fold_inputs() -> dict[str, str]:
    """SHA-256 of everything a fold's fit reads: the fit's own inputs (features, fit code, answer bounds) and this
    file (it selects each fold's rows)."""
    return {**fit_inputs(), "train/folds.py": _sha256((ROOT / "train" / "folds.py").read_bytes())}


def without_fold(data: Data, fold: int) -> Data:
    """The rows of every article outside `fold` (the folds of train/fit.py), questions renumbered."""
    assign = folds_of(data.questions)
    keep_q = np.asarray([assign[q["article"]] != fold for q in data.questions])
    new_index = np.cumsum(keep_q) - 1
    rows = keep_q[data.q]
    return data.subset(rows, [q for q, k in zip(data.questions, keep_q, strict=True) if k], new_index[data.q[rows]])


def fit_fold(data: Data, fold: int) -> str:
    """The parameters fitted without `fold`'s articles, as written: without the model for an index stored without
    sentence pairs (the evaluated index has them)."""
    params, _ = fit_both(without_fold(data, fold), with_unpaired=False)
    return dumps(params)


def record(texts: dict[int, str]) -> dict:
    """The record written beside the fold files: what they were fitted from and the SHA-256 of each."""
    return {"inputs": fold_inputs(), "output": {name(f): _sha256(t.encode()) for f, t in sorted(texts.items())},
            "numpy": np.__version__}


def committed(data: Data, fold: int) -> str | None:
    """The committed parameters of `fold` when they are what a fit would write now: the file's hash is the
    recorded one, `data` is the features it was fitted on (its digest is the file's "training_data_sha256")
    and the record's inputs are today's. None otherwise (missing, edited or stale files)."""
    try:
        stored = json.loads(record_file().read_text(encoding="utf-8"))
        raw = fold_file(fold).read_bytes()
        text = raw.decode("utf-8")
        params = json.loads(text)
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or not isinstance(stored.get("output"), dict) or not isinstance(params, dict):
        return None
    if stored["output"].get(name(fold)) != _sha256(raw) or params.get("training_data_sha256") != data.digest:
        return None
    if stored.get("inputs") != fold_inputs():
        return None
    return text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true",
                    help="refit and exit 1 when a committed fold file or the record differs (writes nothing)")
    a = ap.parse_args()
    from bot.ranker import FEATURES

    data = load()
    if data.features != FEATURES:
        sys.exit("train/features.npz holds other features than bot/ranker.py computes: re-run train.candidates")
    texts = {}
    for fold in range(FOLDS):
        texts[fold] = fit_fold(data, fold)
        print(f"fold {fold} fitted", file=sys.stderr, flush=True)
    fresh = record(texts)
    if a.check:
        differ = [name(f) for f, t in texts.items()
                  if not fold_file(f).exists() or fold_file(f).read_bytes() != t.encode()]
        try:
            stored = json.loads(record_file().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = {}
        if not isinstance(stored, dict) or any(stored.get(k) != fresh[k] for k in ("inputs", "output")):
            differ.append("train/folds/record.json")
        print(f"differ from a fresh fit: {', '.join(differ)} (run `python -m train.folds`)" if differ
              else "committed fold parameters match the fit")
        sys.exit(1 if differ else 0)
    FOLDS_DIR.mkdir(exist_ok=True)
    for fold, text in texts.items():
        fold_file(fold).write_bytes(text.encode())
    record_file().write_text(json.dumps(fresh, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {', '.join(name(f) for f in texts)} and train/folds/record.json")


if __name__ == "__main__":
    main()
