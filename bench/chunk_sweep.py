"""Pick the chunk size and overlap by measurement: build the index per setting and score the answers.

usage: .venv/bin/python bench/chunk_sweep.py [--sizes 128 192 256 384] [--overlaps 32]

For each setting: chunks, index build seconds, expected file among the top-3 retrieved passages
(hit@3), and the answer figures of score.py (facts, files, declined) over the public eval plus the
project's own questions (single-turn ones).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from answer_bench import DEFAULT_SETS, score  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[128, 192, 256, 384])
    ap.add_argument("--overlaps", type=int, nargs="+", default=[32])
    args = ap.parse_args()

    from bot.engine import Engine
    from bot.settings import Settings
    from index.ingest import build_index

    questions = [json.loads(line) for path in DEFAULT_SETS if path.exists()
                 for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [q for q in questions if not q.get("history")]
    print(f"{len(questions)} questions")
    header = ("size", "overlap", "chunks", "build s", "hit@3", "facts", "files", "declined")
    print(" ".join(f"{h:>{w}}" for h, w in zip(header, (5, 7, 6, 8, 6, 6, 6, 8), strict=True)))
    for size in args.sizes:
        for overlap in args.overlaps:
            data_dir = Path(tempfile.mkdtemp(prefix=f"citebot-sweep-{size}-{overlap}-"))
            settings = Settings(_env_file=None, corpus=ROOT / "corpus", data_dir=data_dir,  # type: ignore[call-arg]
                                chunk_size=size, chunk_overlap=overlap)
            t0 = time.perf_counter()
            report = build_index(settings)
            build = time.perf_counter() - t0
            engine = Engine(settings, build_if_missing=False)
            hits = 0
            answerable = [q for q in questions if q["answerable"]]
            for q in answerable:
                top = {p.file for p in engine.retriever.retrieve(q["question"], k=3).passages}
                hits += bool(top & set(q["expect_files"]))
            s = score(questions, [engine.answer(q["question"]).to_json() for q in questions])
            print(f"{size:>5} {overlap:>7} {report.chunks:>6} {build:>8.1f} {hits / len(answerable):>6.2f} "
                  f"{s['facts']:>6.2f} {s['files']:>6.2f} {s['abstain']:>8.2f}", flush=True)


if __name__ == "__main__":
    main()
