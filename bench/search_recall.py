"""How well the store's dense search finds what an exact search finds, and what the other-language channel adds.

1. HNSW settings (index/store.py: HNSW) against Chroma's defaults: each configuration builds a fresh
   collection of the same vectors and answers the same queries; the report compares its top 16 with an
   exact (numpy) search: questions whose set differs, questions whose single nearest vector is missing
   from the top 16, mean recall@16, build seconds and milliseconds per search.
   - "xquad-dev": the sentence vectors of an index of ../shared/eval/xquad-dev/corpus, queried with its
     572 questions (real text: a document's sentences sit in tight clusters);
   - "clustered": N synthetic unit vectors in clusters of ~40 (the shape of a larger corpus), 200 queries.
2. The other-language channel (index/retrieve.py: OTHER_LANGUAGE_HITS) on xquad-dev's cross-language
   questions: is the expected file among the plain 16 sentence hits, first among them, among the 8
   nearest sentences of other-language documents, first among those.

    .venv/bin/python bench/search_recall.py [--data-dir DIR] [--vectors 30000] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.store import HNSW  # noqa: E402
from train.heldout import XQUAD  # noqa: E402

CONFIGS = {
    "chroma default": {"space": "cosine"},
    "citebot (index/store.py)": dict(HNSW),
    "64 neighbours, ef 400": {"space": "cosine", "max_neighbors": 64, "ef_construction": 400, "ef_search": 400},
}
TOP = 16


def search_figures(config: dict, vectors: np.ndarray, queries: np.ndarray) -> dict[str, float]:
    """Build a fresh collection of `vectors` with `config` and compare its top TOP with the exact one."""
    import chromadb
    from chromadb.config import Settings

    folder = Path(tempfile.mkdtemp(prefix="hnsw-"))
    try:
        client = chromadb.PersistentClient(str(folder), settings=Settings(anonymized_telemetry=False))
        collection = client.create_collection("bench_vectors", configuration={"hnsw": dict(config)},
                                              embedding_function=None)
        t0 = time.perf_counter()
        for start in range(0, len(vectors), 1024):
            part = vectors[start:start + 1024]
            collection.add(ids=[str(i) for i in range(start, start + len(part))], embeddings=part.tolist())
        build = time.perf_counter() - t0
        differs = nearest_missing = 0
        recall = []
        t0 = time.perf_counter()
        found_all = [[int(i) for i in collection.query(query_embeddings=[q.tolist()], n_results=TOP)["ids"][0]]
                     for q in queries]
        per_search = (time.perf_counter() - t0) / len(queries)
        for q, found in zip(queries, found_all, strict=True):
            exact = np.argsort(-(vectors @ q))[:TOP].tolist()
            differs += set(found) != set(exact)
            nearest_missing += exact[0] not in found
            recall.append(len(set(found) & set(exact)) / TOP)
        return {"differs": differs, "nearest_missing": nearest_missing, "recall": round(float(np.mean(recall)), 4),
                "build_s": round(build, 2), "search_ms": round(per_search * 1000, 2), "queries": len(queries)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def clustered(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n unit vectors in clusters of ~40 (384 dimensions, like e5-small) and 200 queries near them."""
    rng = np.random.RandomState(seed)
    centres = rng.randn(n // 40 + 1, 384)
    vectors = centres[rng.randint(0, len(centres), n)] + 0.6 * rng.randn(n, 384)
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    queries = vectors[rng.randint(0, n, 200)] + 0.3 * rng.randn(200, 384).astype(np.float32)
    return vectors, (queries / np.linalg.norm(queries, axis=1, keepdims=True)).astype(np.float32)


def language_channel(retriever, questions: list[dict]) -> dict[str, float]:
    """Cross-language questions: where the expected file stands in the plain and the other-language hits."""
    from bot.question_language import question_language
    from index.retrieve import OTHER_LANGUAGE_HITS, SENTENCE_HITS

    languages = sorted(retriever.manifest.languages)
    rows = {"plain_in": [], "plain_first": [], "other_in": [], "other_first": []}
    for q in questions:
        if q["kind"] != "cross-lang":
            continue
        r = retriever.retrieve(q["question"], language=question_language(q["question"], languages))
        expected = set(q["expect_files"])
        plain = [s.file for s in r.sentence_hits]
        other = [s.file for s in r.other_language_hits]
        rows["plain_in"].append(bool(expected & set(plain)))
        rows["plain_first"].append(bool(plain) and plain[0] in expected)
        rows["other_in"].append(bool(expected & set(other)))
        rows["other_first"].append(bool(other) and other[0] in expected)
    out = {f"{k} ({SENTENCE_HITS if k.startswith('plain') else OTHER_LANGUAGE_HITS} hits)": round(float(np.mean(v)), 3)
           for k, v in rows.items()}
    out["questions"] = len(rows["plain_in"])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data-dir", type=Path, default=ROOT / "train" / "work" / "xquad-data")
    ap.add_argument("--vectors", type=int, default=30000, help="synthetic clustered vectors (0: skip)")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    from index.retrieve import Retriever
    from tests.isolation import settings_for
    from train.corpus import index_or_rebuild

    settings = settings_for(a.data_dir, XQUAD / "corpus")
    index_or_rebuild(settings)
    retriever = Retriever(settings)
    stored = retriever._snapshot.store._sentences.get(include=["embeddings"])
    vectors = np.asarray(stored["embeddings"], dtype=np.float32)
    questions = [json.loads(line) for line in (XQUAD / "questions.jsonl").read_text(encoding="utf-8").splitlines()
                 if line.strip()]
    queries = np.stack([retriever.embed_query(q["question"]) for q in questions]).astype(np.float32)
    report: dict[str, dict] = {"search": {}}
    sets = [("xquad-dev", vectors, queries)]
    if a.vectors:
        sets.append((f"clustered {a.vectors}", *clustered(a.vectors)))
    for set_name, v, q in sets:
        for name, config in CONFIGS.items():
            figures = search_figures(config, v, q)
            report["search"][f"{set_name} | {name}"] = figures
            print(f"{set_name:18s} {name:26s} " + " ".join(f"{k}={x}" for k, x in figures.items()), flush=True)
    report["other_language_channel"] = language_channel(retriever, questions)
    print("cross-language questions, expected file: " +
          " ".join(f"{k}={x}" for k, x in report["other_language_channel"].items()))
    if a.json:
        a.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
