"""The small value types that cross the index/ boundary, so front ends never see llama-index types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of a source document, with where it sits in that document's text."""

    number: int  # 1-based, counted over the document's non-empty paragraphs before cleaning (CSV: the row)
    start: int  # character offset in the document text
    end: int
    text: str
    page: int | None = None  # PDF page (1-based) when the source has pages
    section: str = ""  # the heading above it (Markdown, HTML, .docx), shown in citations
    source: str = ""  # the file's raw text of it when `text` dropped markup (Markdown): quotes come from it


@dataclass
class Passage:
    """A retrieved chunk, as the engine and front ends see it."""

    id: str
    file: str
    language: str
    text: str
    location: str  # e.g. "paragraphs 3-4"
    score: float  # fused retrieval score (higher is better)
    dense: float = 0.0  # cosine similarity to the question
    lexical: float = 0.0  # BM25 score
    paragraphs: tuple[int, ...] = ()
    span: tuple[int, int] = (0, 0)
    sentences: list[Sentence] = field(default_factory=list)


@dataclass(frozen=True, eq=False)
class Sentence:
    """One sentence of a chunk with its precomputed passage embedding, for extractive answers."""

    id: str
    doc_key: str  # which version of which file (see index.chunk.doc_key)
    file: str
    language: str
    text: str
    paragraph: int
    start: int
    end: int
    position: int  # index of the sentence within its document
    embedding: Any = None  # numpy float32 vector, L2-normalised
    page: int | None = None  # PDF page (1-based), so a citation can say where to look
    section: str = ""  # the heading the sentence sits under (Markdown, HTML, .docx), for the citation
    quote: str = ""  # the sentence as the file writes it, when `text` dropped its markup (Markdown); else ""
    paired: bool = False  # stored with a pair vector (index/sentence_pairs.py); False for an older index
    pair: Any = None  # the vector of this sentence read after the one before it; None for a document's first
