"""A whole `citebot index` of one generated file of 1, 10 and 30 MB: time per MB should stay flat and peak
memory should not grow with the file (issue 13). The dry-run side is bench/ingest_scale.py.

usage: .venv/bin/python bench/index_scale.py [--sizes 1,10,30] [--files 1] [--embedder stub|real] [--json FILE]

Each size runs `index.ingest.build_index` in a fresh subprocess (a new data dir, embedded Chroma, the
default checkpoint interval) after indexing a 10 KB file into another data dir first, so imports, the
model and Chroma's start are not charged to any size. The files are bench/ingest_scale.py's (same
generator, same seed).

`--embedder stub` (the default) swaps the e5 model's forward pass for a hash of each text into a unit
vector: everything else is the real run (loading, chunking, e5 token counts, the batch pipeline, Chroma
writes of chunks and sentences, manifest checkpoints, BM25 rebuilds). It measures the part of indexing
that issue 13 owns; the model's own speed is constant per token (bench/embed_runtime.py) and a real run
of 30 MB embeds ~13.5 M tokens, about 1.5 hours on these 2 cores. `--embedder real` runs the model.
Reported per size: wall and CPU seconds, seconds inside the embedder (`passage_vectors`), each
publication's seconds (checkpoints and the final one), peak RSS. `--files N` writes each size as N files
of equal size instead of one (so memory that follows the index, not the file, shows as such).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ingest_scale import generated_corpora  # noqa: E402

_CHILD = """
import hashlib, json, resource, sys, time
from pathlib import Path
import numpy as np
import index.ingest as ingest
from index.embed import E5Embedding
from index.settings import IndexSettings

corpus, warm, data, engine = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
real_vectors = E5Embedding.passage_vectors
embed_seconds = [0.0]

def stub_vectors(self, texts):
    out = np.empty((len(texts), 384), dtype=np.float32)
    for i, text in enumerate(texts):
        seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
        vector = np.random.default_rng(seed).standard_normal(384).astype(np.float32)
        out[i] = vector / np.linalg.norm(vector)
    return out

def timed_vectors(self, texts):
    started = time.perf_counter()
    try:
        return (stub_vectors if engine == "stub" else real_vectors)(self, texts)
    finally:
        embed_seconds[0] += time.perf_counter() - started

E5Embedding.passage_vectors = timed_vectors
publications = []
real_publish = ingest._publish

def timed_publish(*args, **kwargs):
    started = time.perf_counter()
    real_publish(*args, **kwargs)
    publications.append(round(time.perf_counter() - started, 2))

ingest._publish = timed_publish
ingest.build_index(IndexSettings(_env_file=None, corpus=warm, data_dir=data / "warm"))
warm_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
embed_seconds[0], publications[:] = 0.0, []
cpu, wall = time.process_time(), time.perf_counter()
report = ingest.build_index(IndexSettings(_env_file=None, corpus=corpus, data_dir=data / "big"))
print(json.dumps({"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall,
                  "embed_s": embed_seconds[0], "publications_s": publications,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "warm_rss_mb": warm_rss,
                  "chunks": report.chunks, "texts": report.embedded_texts, "tokens": report.embedded_tokens}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,10,30", help="file sizes in MB, comma-separated")
    parser.add_argument("--files", type=int, default=1, help="files per size (the size split evenly)")
    parser.add_argument("--embedder", choices=["stub", "real"], default="stub")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    rows = []
    for generated in generated_corpora(args.sizes, args.files):
        data = generated.corpus.parent / f"d{generated.size:g}"
        out = subprocess.run([sys.executable, "-c", _CHILD, str(generated.corpus), str(generated.warm), str(data),
                              args.embedder], cwd=ROOT, check=True, capture_output=True, text=True).stdout
        shutil.rmtree(data)
        row = json.loads(out.strip().splitlines()[-1])
        row["mb"], row["files"] = sum(path.stat().st_size for path in generated.files) / 1e6, args.files
        rows.append(row)
        rest = row["wall"] - row["embed_s"]
        print(f"{row['mb']:6.1f} MB in {args.files} files  wall {row['wall']:7.1f} s "
              f"({row['wall'] / row['mb']:5.2f} s/MB)  "
              f"cpu {row['cpu']:7.1f} s  in embedder {row['embed_s']:7.1f} s  outside {rest:7.1f} s "
              f"({rest / row['mb']:5.2f} s/MB)  publications {row['publications_s']} s  "
              f"peak RSS {row['rss_mb']:6.0f} MB (warm {row['warm_rss_mb']:4.0f})  chunks {row['chunks']}  "
              f"texts {row['texts']}  e5 tokens {row['tokens']}", flush=True)
    per_mb = [r["wall"] / r["mb"] for r in rows]
    print(f"wall s/MB spread: {max(per_mb) / min(per_mb) - 1:.0%} (max over min - 1; target within 20%), "
          f"embedder: {args.embedder}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
