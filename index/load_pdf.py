"""PDF pages to paragraphs: page numbers kept, running headers/footers and page numbers dropped, the title
line kept apart from the first sentence, headings as sections.

A running header or footer is a line among the first or last two of a page that recurs, digits aside,
on at least half of the pages (and on at least two): "ACME Annual Report 2024", "Page 3 of 12". A bare
page number ("7", "- 7 -", "Page 7", "7/12") is dropped wherever it stands. The first line of the
document is its title when it is short and does not end like a sentence; it becomes a paragraph of its own.

pypdf gives a page as lines with no blank line between paragraphs: index/paragraphs.py decides each line
break (wrapped lines run on, a short open-ended line before a capital is a heading). A heading (the title
too) stays a paragraph of its own and becomes the `section` of the paragraphs under it, across pages, up
to the next heading; the heading's own paragraph keeps the section above it, so a quote never runs on from
it into the text it heads. Citations still give the page (`location_label`).

A table that pypdf gives one line per cell is put back into rows first (index/pdf_tables.py): each row is one
line, "Service: Passport renewal; Fee: 85 EUR", and a paragraph of its own that is never a heading, so a
label is quoted with its value and no cell becomes the section of the text below the table.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from index.paragraphs import paragraphs_with_headings
from index.pdf_tables import page_with_positions, rows_as_lines
from index.sanitize import clean_text
from index.types import Paragraph

_PAGE_NUMBER = re.compile(
    r"^\W*(?:(?:page|pagina|página|halaman|seite|p\.)\s*)?\d{1,4}"
    r"(?:\s*(?:of|de|/|dari|von)\s*\d{1,4})?\W*$",
    re.IGNORECASE,
)
_EDGE = 2  # lines at the top and bottom of a page that may be running furniture
_TITLE_WORDS = 16
_ENDS_SENTENCE = re.compile(r"""[.!?:;…"”]\s*$""")


class PdfError(Exception):
    """The PDF cannot be read; the message names the reason."""


class PdfPage(NamedTuple):
    """A page's text as pypdf gives it, with each table row on one line; `rows` are those lines' indices."""

    text: str
    rows: frozenset[int] = frozenset()


def pdf_pages(path: Path) -> list[PdfPage]:
    """The pages' text, tables put back into rows (index/pdf_tables.py)."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(str(path))
        return [_page(page) for page in reader.pages]
    except Exception as exc:  # pypdf raises many types for damaged files
        raise PdfError(f"unreadable PDF ({exc.__class__.__name__})") from exc


def _page(page: object) -> PdfPage:
    text, lines = page_with_positions(page)
    if lines is None:
        return PdfPage(text)
    kept, rows = rows_as_lines(lines)
    return PdfPage("\n".join(kept), frozenset(rows)) if rows else PdfPage(text)


def _shape(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.split())).lower()


def _running(pages: list[list[str]]) -> set[str]:
    """Shapes of lines that recur at the top or bottom of at least half of the pages."""
    if len(pages) < 2:
        return set()
    seen: Counter[str] = Counter()
    for lines in pages:
        edge = [line for line in lines if line.strip()]
        seen.update({_shape(line) for line in edge[:_EDGE] + edge[-_EDGE:]})
    return {shape for shape, n in seen.items() if n >= max(2, (len(pages) + 1) // 2)}


def _split(page: str | PdfPage) -> tuple[list[str], frozenset[int]]:
    """A page's cleaned lines and its table rows' line indices (none if cleaning changed the line count)."""
    text, rows = (page, frozenset[int]()) if isinstance(page, str) else page
    lines = clean_text(text).split("\n")
    return lines, rows if rows and len(lines) == text.count("\n") + 1 else frozenset()


def _with_rows_apart(lines: list[tuple[str, bool]]) -> tuple[str, list[tuple[int, int]]]:
    """The page text, each table row between blank lines (a block, so a paragraph, of its own), and the
    (start, end) offsets of the rows, in order."""
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    for line, row in lines:
        if row and out and out[-1].strip():
            out.append("")
            pos += 1
        if row:
            spans.append((pos, pos + len(line)))
        out.append(line)
        pos += len(line) + 1
        if row:
            out.append("")
            pos += 1
    return "\n".join(out), spans


def pdf_paragraphs(pages: Sequence[str | PdfPage]) -> tuple[str, list[Paragraph]]:
    """The document text (pages without furniture, joined) and its paragraphs, each with its page. A page
    may be a plain string (no table rows known)."""
    split = [_split(page) for page in pages]
    running = _running([lines for lines, _ in split])
    text = ""
    paragraphs: list[Paragraph] = []
    titled = False
    section = ""
    for page_no, (lines, rows) in enumerate(split, start=1):
        kept = [(line, i in rows) for i, line in enumerate(lines)
                if not _PAGE_NUMBER.match(line.strip()) and _shape(line) not in running]
        if not titled:
            body = [i for i, (line, _) in enumerate(kept) if line.strip()]
            if body:
                titled = True
                first, row = kept[body[0]]
                if not row and len(first.split()) <= _TITLE_WORDS and not _ENDS_SENTENCE.search(first):
                    kept.insert(body[0] + 1, ("", False))  # a blank line: the title is a paragraph of its own
        page_text, row_spans = _with_rows_apart(kept)
        offset = len(text)
        for p, heading in paragraphs_with_headings(page_text, page=page_no, first_number=len(paragraphs) + 1):
            paragraphs.append(Paragraph(p.number, p.start + offset, p.end + offset, p.text, page_no, section))
            if heading and not _in_row(row_spans, p.start):
                section = p.text
        text += page_text + "\n\n"
    return text, paragraphs


def _in_row(row_spans: list[tuple[int, int]], pos: int) -> bool:
    """Whether offset `pos` of the page text lies in a table row's line (a row is never a heading)."""
    i = bisect_right(row_spans, pos, key=lambda span: span[0]) - 1
    return i >= 0 and pos < row_spans[i][1]
