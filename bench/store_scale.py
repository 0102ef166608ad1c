"""What one record costs to add to an embedded Chroma collection as the collection grows: the part of a whole
index run (bench/index_scale.py) that is not linear in the text.

usage: .venv/bin/python bench/store_scale.py [--records 160000] [--batch 128] [--slice 20000]

Adds `--records` records (random unit vectors of e5's 384 dimensions, 150-character documents, the metadata
fields citebot's sentence records carry) through `index.store.Store.add` in batches of `--batch`, as an index
run does, into a fresh data dir, and prints the milliseconds per record of each `--slice` records added.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=160_000)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--slice", type=int, default=20_000)
    args = parser.parse_args()
    from index.settings import IndexSettings
    from index.store import Store

    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(IndexSettings(_env_file=None, corpus=Path(tmp), data_dir=Path(tmp) / "data"))
        store.open(create=True)
        started, done, since = time.perf_counter(), 0, 0
        while done < args.records:
            n = min(args.batch, args.records - done)
            vectors = rng.standard_normal((n, 384)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            ids = [f"doc:{done + i}" for i in range(n)]
            texts = [f"Sentence {done + i} of a generated document, long enough to look like prose. " * 2
                     for i in range(n)]
            metas = [{"doc_key": "doc", "file": "big.txt", "language": "en", "paragraph": (done + i) // 4,
                      "page": 0, "start": 150 * (done + i), "end": 150 * (done + i) + 140, "position": done + i,
                      "section": ""} for i in range(n)]
            store.add(ids, vectors.tolist(), texts, metas, sentences=True)
            done += n
            if done - since >= args.slice or done == args.records:
                per_record = (time.perf_counter() - started) / (done - since) * 1000
                print(f"records {since + 1:>7,}-{done:>7,}: {per_record:.3f} ms per record", flush=True)
                started, since = time.perf_counter(), done


if __name__ == "__main__":
    main()
