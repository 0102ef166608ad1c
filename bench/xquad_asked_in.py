"""Held-out figures on ../shared/eval/xquad-dev when its questions are asked in another language than the corpus's.

xquad-dev's corpus is English and Spanish; XQuAD's raw files hold every question in German and Romanian too
(../shared/eval/xquad-dev/raw, parallel by position). Each xquad-dev question is asked in those languages instead
and scored with the judge's rules against its own gold facts and files (../shared/eval/score_xquad.py), each fold
answered by the ranker fitted without its articles (train/heldout.py), as bench/xquad_cv.py does. Every answerable
question is a cross-language one here. German is among CITEBOT_LANGUAGES' defaults, Romanian is not: a user asking
in a language the documents are not written in, and one the detector was not set up for.

    .venv/bin/python bench/xquad_asked_in.py [--languages de,ro] [--data-dir DIR] [--features NPZ]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
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
    from bot.extractive import ExtractiveSynthesizer
    from bot.sentence_lookup import SentenceLookup
    from tests.isolation import settings_for
    from train.corpus import LANGUAGES, load_raw
    from train.heldout import XQUAD, Figures, _questions_by_fold, _scored, fold_params, judge

    asked = [x.strip() for x in a.languages.split(",") if x.strip()]
    raw = {lang: load_raw(lang) for lang in dict.fromkeys((*LANGUAGES, *asked))}
    position = {" ".join(qa["question"].split()): (i, j, k)
                for lang in LANGUAGES for i, article in enumerate(raw[lang])
                for j, paragraph in enumerate(article["paragraphs"]) for k, qa in enumerate(paragraph["qas"])}
    score = judge()
    data, _, questions = _questions_by_fold(a.features)
    engine = Engine(settings_for(a.data_dir, XQUAD / "corpus"), build_if_missing=True)
    print("| asked in | facts | file cited | false declines | not-in-corpus declined | median chars | question "
          "language as detected |\n|---|---:|---:|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for lang in asked:
            figures, detected = Figures(), {}
            for fold in sorted({f for _, f in questions}):
                params = fold_params(data, fold, Path(tmp) / f"fold{fold}.json")
                engine.synthesizer = ExtractiveSynthesizer(SentenceLookup(engine.retriever), params=params)
                for q, f in questions:
                    if f != fold:
                        continue
                    i, j, k = position[" ".join(q["question"].split())]
                    answer = engine.answer(raw[lang][i]["paragraphs"][j]["qas"][k]["question"]).to_json()
                    detected[answer["language"]] = detected.get(answer["language"], 0) + 1
                    expected = set(q["expect_files"]) if q["answerable"] else set()
                    kind = "cross-lang" if q["answerable"] else "not-in-corpus"
                    figures.rows.append(_scored(score, q, answer, kind, expected))
            s = figures.summary()
            shares = ", ".join(f"{code} {n / len(figures.rows):.2f}"
                               for code, n in sorted(detected.items(), key=lambda x: -x[1])[:4])
            print(f"| {lang} | {s['facts']:.3f} | {s['files']:.3f} | {s['false_declines']:.3f} | "
                  f"{s['declined_unanswerable']:.3f} | {s['median_chars']:.0f} | {shares} |", flush=True)


if __name__ == "__main__":
    main()
