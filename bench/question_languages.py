"""How often py3langid, choosing among every language it knows, names a language outside CITEBOT_LANGUAGES'
defaults, per probability bar: the evidence for bot/question_language.py's OUTSIDE_CONFIDENCE.

Texts: XQuAD's questions in English, Spanish, German (listed languages: every unlisted answer is a mistake) and
Romanian (unlisted: every Romanian answer is right), from ../shared/eval/xquad-dev/raw; the project's and the
public eval's questions; the sentences of 3-30 words of the bundled and xquad-dev corpora. Then how
`question_language` reads each set.

    .venv/bin/python bench/question_languages.py
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BARS = (0.5, 0.9, 0.95, 0.99)


def main() -> None:
    from bot.question_language import ALL_LANGUAGES, NO_LANGUAGE, question_language
    from index.language import classify_language
    from index.settings import IndexSettings
    from train.corpus import load_raw

    listed = tuple(IndexSettings.model_fields["languages"].default.split(","))
    sets: dict[str, list[str]] = {}
    for lang in ("en", "es", "de", "ro"):
        sets[f"XQuAD questions, {lang}"] = [qa["question"] for article in load_raw(lang)
                                            for p in article["paragraphs"] for qa in p["qas"]]
    sets["project and public eval questions"] = [
        json.loads(line)["question"] for path in (ROOT / "tests" / "eval" / "questions.jsonl",
                                                  ROOT.parent / "shared" / "eval" / "questions.jsonl")
        for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    xquad = ROOT.parent / "shared" / "eval" / "xquad-dev" / "corpus"
    files = [*(ROOT / "corpus").glob("*.txt"), *xquad.glob("*.txt")]
    sets["corpus sentences"] = [s for f in files for s in re.split(r"(?<=[.!?])\s+", f.read_text(encoding="utf-8"))
                                if 3 <= len(s.split()) <= 30]
    print(f"listed: {', '.join(listed)}\n")
    print("| texts | n | " + " | ".join(f"unlisted at >= {b}" for b in BARS) + " | read by question_language |")
    print("|---|---:|" + "---|" * (len(BARS) + 1))
    for name, texts in sets.items():
        found = [classify_language(t, ALL_LANGUAGES) for t in texts]
        cells = []
        for bar in BARS:
            named = Counter(c for c, p in found if c not in listed and c != NO_LANGUAGE and p >= bar)
            cells.append(f"{sum(named.values())} ({', '.join(f'{c} {n}' for c, n in named.most_common(3))})"
                         if named else "0")
        read = Counter(question_language(t, listed) for t in texts)
        print(f"| {name} | {len(texts)} | " + " | ".join(cells) + " | "
              + ", ".join(f"{c} {n}" for c, n in read.most_common(4)) + " |")


if __name__ == "__main__":
    main()
