"""Chunks and sentences as store records: id, text and the flat metadata Chroma accepts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from index.chunk import Chunk
from index.sentence_pairs import PAIR_KEY, pair_text
from index.store import sentence_id


@dataclass(frozen=True)
class Record:
    id: str
    text: str
    metadata: dict[str, Any]
    pair: str = ""  # a sentence's pair text (index/sentence_pairs.py), embedded too; its vector joins the metadata


def _key(chunk: Chunk) -> str:
    return chunk.id.rsplit(":", 1)[0]


def chunk_records(chunks: list[Chunk]) -> list[Record]:
    """One record per chunk; the sentence range lets the engine fetch the chunk's sentences."""
    out = []
    for c in chunks:
        first = c.sentences[0].index if c.sentences else -1
        last = c.sentences[-1].index if c.sentences else -1
        out.append(Record(c.id, c.text, {
            "doc_key": _key(c), "file": c.file, "language": c.language,
            "p_first": c.paragraphs[0] if c.paragraphs else 0,
            "p_last": c.paragraphs[-1] if c.paragraphs else 0, "page": c.page or 0, "start": c.start, "end": c.end,
            "tokens": c.tokens, "position": c.position, "s_first": first, "s_last": last,
            "content_hash": c.content_hash, "file_sha256": c.file_sha256,
            "page_last": c.page_last or 0, "section": c.section,
        }))
    return out


def sentence_records(chunks: list[Chunk], pairs: bool = True) -> list[Record]:
    """One record per distinct sentence of the document (overlapping chunks share sentences). With `pairs`,
    each carries its pair text, and its metadata the pair key ("" for a document's first sentence, the
    encoded vector once embedded)."""
    seen: dict[int, Record] = {}
    for c in chunks:
        for s in c.sentences:
            if s.index not in seen:
                metadata = {
                    "doc_key": _key(c), "file": c.file, "language": c.language, "paragraph": s.paragraph,
                    "page": s.page or 0, "start": s.start, "end": s.end, "position": s.index,
                    "section": s.section,
                }
                if s.quote:
                    metadata["quote"] = s.quote  # the file's own text (Markdown markup kept), for citations
                if pairs:
                    metadata[PAIR_KEY] = ""
                seen[s.index] = Record(sentence_id(_key(c), s.index), s.text, metadata,
                                       pair_text(s.before, s.text) if pairs else "")
    return [seen[i] for i in sorted(seen)]
