"""Held-out figures on ../shared/eval/xquad-dev when its questions are asked in another language than the corpus's.

xquad-dev's corpus is English and Spanish; XQuAD's raw files hold every question in German and Romanian too
(../shared/eval/xquad-dev/raw, parallel by position). Each xquad-dev question is asked in those languages instead
and scored with the judge's rules against its own gold facts and files (../shared/eval/score_xquad.py), each fold
answered by the ranker fitted without its articles (train/heldout.py: evaluate), as bench/xquad_cv.py does.
Every answerable question is a cross-language one here. German is among CITEBOT_LANGUAGES' defaults, Romanian
is not: a user asking in a language the documents are not written in, and one the detector was not set up for.

    .venv/bin/python bench/xquad_asked_in.py [--languages de,ro] [--data-dir DIR] [--features NPZ]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = ROOT / "train" / "work" / "xquad-data"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--languages", default="de,ro", help="comma-separated XQuAD languages to ask in")
    ap.add_argument("--data-dir", type=Path, default=DATA, help="the xquad-dev index (built there when missing)")
    ap.add_argument("--features", type=Path, help="fit on these candidate features (default: train/features.npz)")
    a = ap.parse_args()
    from bot.engine import Engine
    from tests.isolation import settings_for
    from train.heldout import XQUAD, evaluate

    engine = Engine(settings_for(a.data_dir, XQUAD / "corpus"), build_if_missing=True)
    print("| asked in | facts | file cited | false declines | not-in-corpus declined | median chars | question "
          "language as detected |\n|---|---:|---:|---:|---:|---:|---|")
    for lang in (x.strip() for x in a.languages.split(",") if x.strip()):
        figures = evaluate(engine, a.features, asked_in=lang)
        s = figures.summary()
        detected = Counter(r.lang for r in figures.rows)
        shares = ", ".join(f"{code} {n / len(figures.rows):.2f}" for code, n in detected.most_common(4))
        print(f"| {lang} | {s['facts']:.3f} | {s['files']:.3f} | {s['false_declines']:.3f} | "
              f"{s['declined_unanswerable']:.3f} | {s['median_chars']:.0f} | {shares} |", flush=True)


if __name__ == "__main__":
    main()
