"""Language identification with py3langid, restricted to the languages citebot is set up for.

Short questions are ambiguous; below a confidence floor the caller's fallback wins (usually the
previous turn's language, else English).

py3langid ships its model LZMA-compressed and decompresses it on every load (0.6-0.8 s of a cold
`citebot ask`). The decompressed arrays are kept once in the user cache (index/embed_cache.py) as a
plain .npz, which loads in tens of milliseconds, and every language subset shares the one model.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

_lock = threading.Lock()


@lru_cache(maxsize=1)
def _model() -> tuple[Any, ...]:
    """(nb_ptc, nb_pc, classes, nextmove, row, output) of py3langid's bundled model."""
    from importlib.metadata import version

    import numpy as np
    from py3langid import langid
    from py3langid.modelio import _to_array

    from index.embed_cache import cached_file

    source = langid.MODEL_DIR / langid.MODEL_FILE

    def write(tmp: str) -> None:
        from py3langid.modelio import load_model

        ptc, pc, classes, nextmove, row, output = load_model(source)
        with open(tmp, "wb") as handle:  # arrays as they are (stdlib arrays via the buffer protocol)
            np.savez(handle, ptc=ptc, pc=pc, classes=np.array(classes), nextmove=np.asarray(nextmove),
                     row=np.asarray(row), output=np.asarray(output, dtype=np.int32))

    name = f"py3langid-{version('py3langid')}-{source.stat().st_size}.npz"
    with np.load(cached_file(name, write), allow_pickle=False) as data:
        return (data["ptc"], data["pc"], data["classes"].tolist(), _to_array(data["nextmove"]),
                _to_array(data["row"]), data["output"].tolist())


@lru_cache(maxsize=4)
def _identifier(languages: tuple[str, ...]) -> Any:
    from py3langid.langid import LanguageIdentifier

    ptc, pc, classes, nextmove, row, output = _model()
    identifier = LanguageIdentifier(ptc, pc, classes, nextmove, output, norm_probs=True, tk_row=row)
    identifier.set_languages(list(languages))
    return identifier


def classify_language(text: str, languages: tuple[str, ...]) -> tuple[str, float]:
    """(the likeliest of `languages` for `text`, its probability among them); ("", 0.0) for a text without
    letters."""
    sample = text.strip()[:5000]
    if not any(ch.isalpha() for ch in sample):
        return "", 0.0
    with _lock:
        code, confidence = _identifier(tuple(languages)).classify(sample)
    return str(code), float(confidence)


def detect_language(text: str, languages: tuple[str, ...], fallback: str = "en", min_confidence: float = 0.5) -> str:
    """ISO 639-1 code of `text`'s language, or `fallback` when the detector is unsure."""
    code, confidence = classify_language(text, languages)
    return code if code and confidence >= min_confidence else fallback
