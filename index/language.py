"""Language identification with py3langid, restricted to the languages citebot is set up for.

Short questions are ambiguous; below a confidence floor the caller's fallback wins (usually the
previous turn's language, else English).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

_lock = threading.Lock()


@lru_cache(maxsize=4)
def _identifier(languages: tuple[str, ...]) -> Any:
    from py3langid.langid import _load_identifier

    return _load_identifier(norm_probs=True, langs=list(languages))


def detect_language(text: str, languages: tuple[str, ...], fallback: str = "en", min_confidence: float = 0.5) -> str:
    """ISO 639-1 code of `text`'s language, or `fallback` when the detector is unsure."""
    sample = text.strip()[:5000]
    if not any(ch.isalpha() for ch in sample):
        return fallback
    with _lock:
        code, confidence = _identifier(tuple(languages)).classify(sample)
    return str(code) if confidence >= min_confidence else fallback
