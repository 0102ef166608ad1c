"""Chunking stays linear in the size of one file, and bounded blocks change nothing on the bundled corpus."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from docmaker import write
from index_helpers import CORPUS, LANGUAGES

from index.chunk import (
    _CleanText,
    _fit_window,
    _split,
    chunk_document,
    document_sentences,
    e5_token_counter,
    tiktoken_counter,
)
from index.embed import load_e5
from index.load import load_document

_WORDS = "river stone lamp north field quiet market bridge harvest window garden letter".split()


def _short_sentences(paragraphs: int, seed: int = 0) -> str:
    """Many short sentences in small paragraphs: the shape that made sentence assignment quadratic."""
    rnd = random.Random(seed)
    return "\n\n".join(
        " ".join(f"{rnd.choice(_WORDS).capitalize()} {rnd.choice(_WORDS)} {rnd.choice(_WORDS)}." for _ in range(8))
        for _ in range(paragraphs)
    )


def _chunk_seconds(tmp_path: Path, paragraphs: int) -> float:
    path = write(tmp_path / f"big{paragraphs}.txt", _short_sentences(paragraphs))
    doc = load_document(path, tmp_path, ("en",))
    count = tiktoken_counter()
    started = time.process_time()
    chunks = chunk_document(doc, 64, 16, lambda text: len(count(text)) + 2)
    seconds = time.process_time() - started
    assert len(chunks) >= paragraphs // 2
    return seconds


def test_chunking_eight_times_the_text_takes_at_most_twelve_times_as_long(tmp_path: Path) -> None:
    _chunk_seconds(tmp_path, 50)  # warm up: punkt, tiktoken, llama-index imports
    # CPU time of this process, best of a few (a busy machine still perturbs caches and the collector by
    # up to ~40% here): linear work gives ~8x; the old every-sentence-for-every-chunk scan gave ~8x already
    # at four times the text, so ~16x or more at eight
    small = min(_chunk_seconds(tmp_path, 1000) for _ in range(3))
    large = min(_chunk_seconds(tmp_path, 8000) for _ in range(2))
    assert large <= 12 * small, (small, large)


@pytest.fixture(scope="module")
def e5_count():
    return e5_token_counter(load_e5())


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.iterdir()))
@pytest.mark.parametrize("size", [192, 480])
def test_bundled_chunks_and_sentences_equal_the_whole_document_reference(name: str, size: int, e5_count) -> None:
    """The reference is the old algorithm: the whole article split at once, every sentence tested
    against every chunk's span."""
    doc = load_document(CORPUS / name, CORPUS, LANGUAGES)
    chunks = chunk_document(doc, size, 32, e5_count)
    clean = _CleanText(doc.paragraphs).text
    assert [c.text for c in chunks] == _fit_window(_split(clean, size, 32), size, 32, e5_count)
    sentences = document_sentences(doc)
    for c in chunks:
        assert c.sentences == [s for s in sentences if s.start < c.end and s.end > c.start]
