"""Sentence boundaries with NLTK's Punkt models (the copy bundled in llama-index-core, no download).

Punkt has no Indonesian model; the English one splits Indonesian news prose well. A small repair
step re-joins splits after initialisms such as "EE. UU." or "U.S." that Punkt breaks on.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

_PUNKT_NAMES = {"en": "english", "es": "spanish", "pt": "portuguese", "fr": "french", "de": "german",
                "it": "italian", "nl": "dutch"}
_INITIALISM = re.compile(r"(?:\b[A-Z]{1,2}\.\s?){2,}$")
_LEADING_INITIAL = re.compile(r"^(?:[A-Z]{1,2}\.\s?)+(?=\W|$)")
_ONE_INITIAL = re.compile(r"\b[A-Z]{1,2}\.$")
_lock = threading.Lock()


@lru_cache(maxsize=16)
def _punkt(language: str) -> Any:
    from llama_index.core.utils import globals_helper

    _ = globals_helper.punkt_tokenizer  # puts llama-index's bundled nltk_cache on nltk's search path
    from nltk.tokenize.punkt import PunktTokenizer

    return PunktTokenizer(_PUNKT_NAMES.get(language, "english"))


def sentence_spans(text: str, language: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of `text`."""
    with _lock:
        spans = list(_punkt(language).span_tokenize(text))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged:
            prev_start, prev_end = merged[-1]
            prev = text[prev_start:prev_end]
            nxt = text[start:end]
            initialism = _INITIALISM.search(prev) or (_LEADING_INITIAL.match(nxt) and _ONE_INITIAL.search(prev))
            if initialism or nxt[:1].islower():
                merged[-1] = (prev_start, end)
                continue
        merged.append((start, end))
    return merged
