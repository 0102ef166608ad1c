"""The language directions of e5's vectors, and vectors with them removed.

multilingual-e5-small places a text partly by its language: every vector carries a component saying "this is
Spanish" that has nothing to do with what the text says. Two texts in one language share it; a question and its
answer in two languages do not, so across languages the answer scores no higher than unrelated text in the
question's own language (an English question about a garden plot's rent met the Portuguese "A renda anual é de 25
euros" at 0.79 and unrelated English sentences at 0.77-0.79). Removing that component (Yang et al., 2021, "A
Simple and Effective Method To Eliminate the Self Language Bias in Multilingual Representations") makes scores
comparable across languages: on xquad-dev, the right file is the closest for 0.95 of cross-language questions
instead of 0.73, and same-language questions keep 0.99 (docs/retrieval-and-answers.md: "Vectors without their
language").

The directions (`AXES_FILE`) are the centred mean vectors, per language, of one parallel sample of everyday
sentences written for this (train/language_sample.jsonl: the same sentences in each of CITEBOT_LANGUAGES' default
languages and Romanian); train/language_axes.py computes them. Being the same sentences in every language, their
means differ by language alone, not by subject. The projection needs no language label, so a misread question
language costs nothing; a language outside the sample keeps the part of its direction the axes do not span.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from index.embed_id import AXES_FILE


@lru_cache(maxsize=1)
def language_axes() -> np.ndarray:
    """Orthonormal rows spanning the language directions, shape (k, 384)."""
    return np.load(AXES_FILE).astype(np.float32)


def without_language(vectors: np.ndarray) -> np.ndarray:
    """`vectors` (one per row, or one 1-D vector) with their components along the language axes removed,
    normalised again to unit length (cosine stays a dot product), as float32."""
    axes = language_axes()
    v = np.asarray(vectors, dtype=np.float32)
    flat = v.reshape(-1, v.shape[-1]) if v.size else v.reshape(0, axes.shape[1])
    out = flat - (flat @ axes.T) @ axes
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    out = out / np.where(norms > 0, norms, 1.0)
    return out.reshape(v.shape).astype(np.float32, copy=False)
