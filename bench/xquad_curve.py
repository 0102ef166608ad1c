"""The held-out abstention curve on ../shared/eval/xquad-dev: every question's calibrated confidence under the
parameters fitted without its article fold, read at one threshold for all folds.

bench/xquad_cv.py reports the operating point each fold's own threshold gives; those thresholds differ from fold
to fold (each is the highest with out-of-fold false declines <= 0.03 on its training rows), so that point moves
along the curve. This prints the curve itself: per threshold, false declines, not-in-corpus questions declined
and facts, and the most declined at false declines <= 0.02 / 0.025 / 0.03. Every question is answered (the
confidence is recorded, the decision forced to "answer"), so facts at a threshold count the answers above it.

    .venv/bin/python bench/xquad_curve.py [--data-dir DIR]

Another checkout's code (a side-by-side comparison) runs with its own copy of this script:
`cd OTHER && PYTHONPATH=OTHER .venv/bin/python /path/to/bench/xquad_curve.py --data-dir DIR`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path.cwd()))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

DATA = Path(__file__).resolve().parent.parent / "train" / "work" / "xquad-data"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=DATA)
    a = ap.parse_args()
    from bot.engine import Engine
    from bot.extractive import ExtractiveSynthesizer
    from bot.ranker import Ranker
    from bot.sentence_lookup import SentenceLookup
    from tests.isolation import settings_for
    from train.heldout import XQUAD, _questions_by_fold, _scored, fold_params, judge

    engine = Engine(settings_for(a.data_dir, XQUAD / "corpus"), build_if_missing=True)  # built once, then reused
    seen: list[float] = []
    confidence = Ranker.confidence

    def recorded(self: Ranker, *args: object) -> float:
        seen.append(confidence(self, *args))
        return 1.0  # answer every question: its fact is scored at every threshold

    Ranker.confidence = recorded  # type: ignore[method-assign]
    score = judge()
    data, _, questions = _questions_by_fold(None)
    answerable, conf, facts, own = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for fold in sorted({f for _, f in questions}):
            params = fold_params(data, fold, Path(tmp) / f"fold{fold}.json")
            threshold = json.loads(params.read_text(encoding="utf-8"))["threshold"]
            engine.synthesizer = ExtractiveSynthesizer(SentenceLookup(engine.retriever), params=params)
            for q, f in questions:
                if f != fold:
                    continue
                seen.clear()
                answer = engine.answer(q["question"]).to_json()
                expected = set(q["expect_files"]) if q["answerable"] else set()
                answerable.append(bool(q["answerable"]))
                conf.append(seen[-1] if seen else -1.0)  # -1: declined before the calibrator (nothing to look for)
                facts.append(_scored(score, q, answer, q["kind"], expected).fact)
                own.append(threshold)
    A, C, F = np.asarray(answerable), np.asarray(conf), np.asarray(facts)
    d = C < np.asarray(own)
    print(f"each fold's own threshold: false declines {d[A].mean():.3f}, declined {d[~A].mean():.3f}, "
          f"facts {(F & ~d)[A].mean():.3f}")
    print("| threshold | false declines | not-in-corpus declined | facts |\n|---:|---:|---:|---:|")
    for t in np.round(np.arange(0.3, 0.801, 0.05), 2):
        d = C < t
        print(f"| {t:.2f} | {d[A].mean():.3f} | {d[~A].mean():.3f} | {(F & ~d)[A].mean():.3f} |")
    for bound in (0.02, 0.025, 0.03):
        best = max((float((C[~A] < t).mean()), float(t)) for t in np.unique(C) if (C[A] < t).mean() <= bound)
        print(f"false declines <= {bound}: declined {best[0]:.3f} (threshold {best[1]:.3f})")


if __name__ == "__main__":
    main()
