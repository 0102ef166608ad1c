"""citebot's E5Embedding as a llama-index BaseEmbedding, for code that hands an embedder to llama-index.

Kept apart from index/embed.py so that embedding a question never imports llama-index-core (~2.5 s
of a cold `citebot ask`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

if TYPE_CHECKING:  # handed in by E5Embedding.as_llama(): importing index.embed here would make a cycle
    from index.embed import E5Embedding


class LlamaE5Embedding(BaseEmbedding):
    """Delegates to an E5Embedding: passages through passage(), questions through query()."""

    _inner: E5Embedding = PrivateAttr()

    def __init__(self, inner: E5Embedding, **kwargs: Any):
        super().__init__(model_name=inner.model_name, embed_batch_size=inner.embed_batch_size, **kwargs)
        self._inner = inner

    @classmethod
    def class_name(cls) -> str:
        return "E5Embedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._inner.get_query_embedding(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._inner.get_text_embedding(text)

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._inner._get_text_embeddings(texts)
