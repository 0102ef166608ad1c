"""How chunk and sentence vectors are made, measured on held-out xquad-dev answers (issue 14's one pass).

Three schemes, compared on the same indexes:
- passage: every chunk and every sentence embedded on its own (two passes over the text; the scheme before);
- sentences: sentences embedded, a chunk's vector the character-weighted mean of its sentences' (what
  `CITEBOT_CHUNK_VECTORS=sentences`, the default, builds: index/chunk_vectors.py);
- late: chunks embedded, each sentence's vector the mean of its tokens' final states in its chunk's own
  pass (OnnxE5.passages_spans; a sentence shared by two chunks takes the chunk where it sits farthest
  from an edge).
The passage indexes of xquad-dev and of the training corpus are built once (cached in train/work/bench-*);
the other schemes rewrite copies of them, so every scheme sees the same chunks and sentences. Each scheme is
then scored by bench/xquad_cv.py's held-out procedure, with the ranker fitted on the shipped features, and
with --refit also on features regenerated from that scheme's training index (train/candidates.py, ~3 min).

    .venv/bin/python bench/chunk_vectors.py [--refit] [--schemes passage,sentences,late]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from train.corpus import WORK  # noqa: E402
from train.heldout import XQUAD  # noqa: E402

CACHE = WORK / "bench-chunk-vectors"


def _store(data: Path, corpus: Path):
    from index.store import Store, reset_embedded_cache
    from tests.isolation import settings_for

    reset_embedded_cache()
    store = Store(settings_for(data, corpus, chunk_vectors="passage"))
    store.open(create=False)
    return store


def rewrite_sentences(data: Path, corpus: Path) -> None:
    """Chunk vectors := character-weighted mean of their sentences' vectors (index/chunk_vectors.py)."""
    from index.chunk_vectors import SentenceVectors
    from index.records import Record

    store = _store(data, corpus)
    rows = list(store.iter_chunks())
    pool = SentenceVectors(store)
    vectors = pool.pooled([Record(cid, text, meta) for cid, text, meta in rows])
    ids = [cid for (cid, _, _), v in zip(rows, vectors, strict=True) if v is not None]
    kept = [v.tolist() for v in vectors if v is not None]
    for i in range(0, len(ids), 500):
        store._chunks.update(ids=ids[i:i + 500], embeddings=kept[i:i + 500])


def rewrite_late(data: Path, corpus: Path) -> None:
    """Sentence vectors := mean of their tokens' final states in their chunk's own pass."""
    from index.embed import E5Embedding

    store = _store(data, corpus)
    embedder = E5Embedding(engine="onnx")
    best: dict[str, tuple[int, np.ndarray]] = {}
    rows = list(store.iter_chunks())
    for i in range(0, len(rows), 16):
        texts, spans, owners = [], [], []
        for _, text, meta in rows[i:i + 16]:
            found = store.get_sentences([(str(meta["doc_key"]), int(meta["s_first"]), int(meta["s_last"]))])
            wanted, ids = [], []
            for sid, sentence, _, _ in found:
                at = text.find(sentence)
                if at >= 0:  # a sentence cut by the chunk's edge keeps the chunk where it is whole
                    wanted.append((at, at + len(sentence)))
                    ids.append((sid, min(at, len(text) - at - len(sentence))))
            texts.append(text)
            spans.append(wanted)
            owners.append(ids)
        _, per_text = embedder.passages_with_spans(texts, spans)
        for ids, vectors in zip(owners, per_text, strict=True):
            for (sid, margin), vector in zip(ids, vectors, strict=True):
                if sid not in best or margin > best[sid][0]:
                    best[sid] = (margin, vector)
    ids = list(best)
    for i in range(0, len(ids), 500):
        store._sentences.update(ids=ids[i:i + 500], embeddings=[best[s][1].tolist() for s in ids[i:i + 500]])


REWRITE = {"passage": None, "sentences": rewrite_sentences, "late": rewrite_late}


def passage_index(name: str, corpus: Path) -> Path:
    """The cached passage-scheme index of `corpus`."""
    from tests.isolation import settings_for
    from train.corpus import index_or_rebuild

    data = CACHE / name
    index_or_rebuild(settings_for(data, corpus, chunk_vectors="passage"))
    return data


def held_out(data: Path, features: Path | None) -> str:
    cmd = [sys.executable, str(ROOT / "bench" / "xquad_cv.py"), "--data-dir", str(data), "--as-is"]
    if features:
        cmd += ["--features", str(features)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    lines = [line for line in out.splitlines() if line.startswith(("HELD-OUT", "hit@k cross"))]
    return " | ".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--refit", action="store_true", help="also fit the ranker on each scheme's own features")
    ap.add_argument("--schemes", default="passage,sentences,late")
    a = ap.parse_args()
    from train.corpus import write_corpus

    train_corpus = CACHE / "train-corpus"
    write_corpus(train_corpus)
    xquad = passage_index("xquad-data", XQUAD / "corpus")
    training = passage_index("train-data", train_corpus)
    work = Path(tempfile.mkdtemp(prefix="citebot-chunk-vectors-"))
    for scheme in a.schemes.split(","):
        xq, tr = work / f"{scheme}-xquad", work / scheme / "data"
        shutil.copytree(xquad, xq)
        if REWRITE[scheme]:
            REWRITE[scheme](xq, XQUAD / "corpus")
        print(f"{scheme}, shipped features: {held_out(xq, None)}", flush=True)
        if a.refit:
            shutil.copytree(training, tr)
            shutil.copytree(train_corpus, work / scheme / "corpus")
            if REWRITE[scheme]:
                REWRITE[scheme](tr, train_corpus)
            features = work / f"{scheme}-features.npz"
            subprocess.run([sys.executable, "-m", "train.candidates", "--work", str(work / scheme), "--out",
                            str(features)], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
            print(f"{scheme}, refitted: {held_out(xq, features)}", flush=True)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
