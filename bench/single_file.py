"""The project's question set asked of each bundled article alone: a one-file corpus in another domain.

tests/eval/questions.jsonl asks of corpus/ (news in four languages); here each of its files is indexed
alone and asked the answerable single-turn questions that expect it (in their own language, so most are
cross-language for any one file). A fact counts when every fact group has an alternative in the answer
(case-insensitive), as `citebot eval` counts it. None of these articles is in the ranker's training data.

    .venv/bin/python bench/single_file.py [--questions FILE] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--questions", type=Path, default=ROOT / "tests" / "eval" / "questions.jsonl")
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    a = ap.parse_args()
    from bot.engine import Engine
    from index.ingest import build_index
    from tests.isolation import settings_for

    questions = [json.loads(line) for line in a.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [q for q in questions if q.get("answerable") and "question" in q and not q.get("turns")]
    asked = facts = declined = 0
    files = sorted(p for p in a.corpus.iterdir() if p.is_file())
    for path in files:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / "corpus").mkdir()
            shutil.copy(path, root / "corpus" / path.name)
            settings = settings_for(root / "data", root / "corpus")
            build_index(settings)
            engine = Engine(settings, build_if_missing=False)
            for q in (q for q in questions if path.name in q.get("expect_files", [])):
                answer = engine.answer(q["question"])
                text = answer.text.lower()
                asked += 1
                declined += not answer.answered
                facts += answer.answered and all(any(alt.lower() in text for alt in group)
                                                 for group in q["expect_facts"])
    print(f"{asked} questions over {len(files)} one-file corpora: facts {facts} "
          f"({facts / asked:.2f}), declined {declined} ({declined / asked:.2f})")


if __name__ == "__main__":
    main()
