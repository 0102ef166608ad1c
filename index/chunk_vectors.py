"""Chunk vectors pooled from their sentences' vectors, so no text is embedded twice (`chunk_vectors="sentences"`).

Every distinct sentence is embedded as a passage of its own: the ranker, the quotes and the translation
matching work on sentence vectors. A chunk's vector is then the mean of its sentences' vectors, each
weighted by how many of its characters lie inside the chunk, L2-normalised. Embedding the chunk itself as
well (`chunk_vectors = "passage"`, the default) is half of all embedding work: the chunks hold the same
text as their sentences.

Measured on held-out xquad-dev (bench/chunk_vectors.py, docs/embedding.md): about one point of facts below
embedding the chunks themselves (up to ~3 of cross-language facts), for half the embedding work, and
weaker passage retrieval on a small corpus (so it is not the default). The
other one-pass scheme, sentence vectors mean-pooled from the chunk's own token states, lost 15-17 points
of cross-language facts: in-context token states carry the chunk's topic more than the sentence's, so a
question no longer finds its sentence within a document.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from index.store import sentence_id

if TYPE_CHECKING:
    from index.records import Record
    from index.store import Store

ChunkVectors = Literal["sentences", "passage"]


def needs_own_vector(has_sentences: bool, scheme: ChunkVectors) -> bool:
    """True when a chunk must be embedded itself: the "passage" scheme, or a chunk without sentences."""
    return scheme == "passage" or not has_sentences


def _overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    return max(1, min(a_end, b_end) - max(a_start, b_start))


class SentenceVectors:
    """The sentence vectors one file's chunks still need, so pooling a chunk reads the store only for
    sentences an interrupted run stored earlier. Chunks come in order, and a chunk shares sentences only
    with the one before it, so vectors behind the last chunk's first sentence are dropped."""

    def __init__(self, store: Store):
        self._store = store
        self._held: dict[tuple[str, int], tuple[int, int, np.ndarray]] = {}  # (doc_key, position) -> span, vector

    def remember(self, sentences: list[Record], vectors: np.ndarray) -> None:
        for record, vector in zip(sentences, vectors, strict=True):
            meta = record.metadata
            self._held[(str(meta["doc_key"]), int(meta["position"]))] = (int(meta["start"]), int(meta["end"]),
                                                                          np.asarray(vector, dtype=np.float32))

    def pooled(self, chunks: list[Record]) -> list[np.ndarray | None]:
        """Per chunk, its pooled vector, or None when it has no sentences (it is embedded itself)."""
        wanted = [(str(c.metadata["doc_key"]), p) for c in chunks if int(c.metadata["s_first"]) >= 0
                  for p in range(int(c.metadata["s_first"]), int(c.metadata["s_last"]) + 1)]
        self._fetch([key for key in dict.fromkeys(wanted) if key not in self._held])
        out: list[np.ndarray | None] = []
        for chunk in chunks:
            meta = chunk.metadata
            first, last = int(meta["s_first"]), int(meta["s_last"])
            parts = [self._held.get((str(meta["doc_key"]), p)) for p in range(first, last + 1)] if first >= 0 else []
            parts = [part for part in parts if part is not None]
            if not parts:
                out.append(None)
                continue
            start, end = int(meta["start"]), int(meta["end"])
            weights = np.array([_overlap(s, e, start, end) for s, e, _ in parts], dtype=np.float32)
            vector = weights @ np.stack([v for _, _, v in parts])
            out.append(vector / max(float(np.linalg.norm(vector)), 1e-12))
        if chunks:
            last_meta = chunks[-1].metadata
            keep_from = (str(last_meta["doc_key"]), int(last_meta["s_first"]))
            self._held = {k: v for k, v in self._held.items() if k[0] == keep_from[0] and k[1] >= keep_from[1]}
        return out

    def _fetch(self, keys: list[tuple[str, int]]) -> None:
        """Vectors of sentences this run did not embed (stored by an interrupted run, reused)."""
        if not keys:
            return
        ids = [sentence_id(key, position) for key, position in keys]
        for _, _, meta, vector in self._store.get_sentences_by_id(ids):
            self._held[(str(meta["doc_key"]), int(meta["position"]))] = (int(meta["start"]), int(meta["end"]),
                                                                          np.asarray(vector, dtype=np.float32))
