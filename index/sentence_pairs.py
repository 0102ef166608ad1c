"""A sentence read together with the one before it: the text embedded for it, and its vector as stored.

Why: a sentence that answers often leans on the one before it ("Today, this is known as the Miasma
theory." after "That the plague was caused by bad air became the most widely accepted theory."). Alone it
matches the question poorly; e5 reading the two together matches it well. The answer ranker reads the
question's similarity to that pair as a feature (bot/ranker.py: pair_dense): out of fold on the training
questions the lead sentence holds the fact for 80.1% of them against 79.3% without it, and held out on
xquad-dev facts rise from 0.824 to 0.833 (docs/answer-quality.md). Cost: ~1.9x the embedded text when indexing.

The pair vector is read, never searched, so it rides in the sentence record's metadata (Chroma keeps one
embedding per record) as int8 with a scale, base64: 520 characters, cosine to the float vector > 0.9999.
A paragraph's first sentence is paired with the last sentence of the paragraph before (out of fold, top-1
80.1% -> 80.7% against pairs within a paragraph only); a document's first sentence has no pair (an empty
string). A record without the key was stored without pairs (an older index, or CITEBOT_SENTENCE_PAIRS=false),
and the ranker then uses its model fitted without the feature.
"""

from __future__ import annotations

import base64
import struct

import numpy as np

from index.embed_id import EMBED_DIM

# Each side of a pair is cut to this many characters (the end of the sentence before, the start of the sentence):
# the antecedent relation sits where they meet, and a run-on "sentence" of untrusted text (a paragraph with no
# full stop, up to index/paragraphs.py's 20,000 characters) must not double its embedding cost. The longest
# training sentence has 1,341 characters, so the cut changes none of the fitted data.
PAIR_PART_CHARS = 2_000
PAIR_KEY = "pair"  # the sentence metadata key holding the encoded pair vector ("" = a document's first sentence)
_SCALE = struct.Struct("<f")


def unpaired_hint(count: int) -> str:
    """What `citebot index` and `citebot sources` say of files indexed without pairs while the setting wants them."""
    subject = "1 document was" if count == 1 else f"{count} documents were"
    return (f"{subject} indexed without sentence pairs (before citebot stored them): answers from them use the "
            "ranker fitted without pairs; `citebot index --rebuild` adds them")


def pair_text(before: str, text: str) -> str:
    """What is embedded for a sentence's pair: the sentence before it, then the sentence (each at most
    PAIR_PART_CHARS)."""
    return f"{before[-PAIR_PART_CHARS:]} {text[:PAIR_PART_CHARS]}" if before else ""


def encode(vector: np.ndarray) -> str:
    """A unit vector as int8 codes and a float32 scale, base64 (metadata must be flat strings and numbers)."""
    v = np.asarray(vector, dtype=np.float32)
    peak = float(np.abs(v).max()) or 1.0
    codes = np.clip(np.rint(v / peak * 127.0), -127, 127).astype(np.int8)
    return base64.b64encode(_SCALE.pack(peak / 127.0) + codes.tobytes()).decode("ascii")


def decode(raw: str) -> np.ndarray | None:
    """The unit vector `encode` stored, or None for "" or anything malformed (an index is untrusted input)."""
    if not raw:
        return None
    try:
        data = base64.b64decode(raw, validate=True)
    except (ValueError, TypeError):
        return None
    if len(data) != _SCALE.size + EMBED_DIM:
        return None
    (scale,) = _SCALE.unpack_from(data)
    v = np.frombuffer(data, dtype=np.int8, offset=_SCALE.size).astype(np.float32) * scale
    norm = float(np.linalg.norm(v))
    if not np.isfinite(norm) or norm == 0.0:
        return None
    return v / norm
