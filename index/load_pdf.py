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
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from index.paragraphs import paragraphs_with_headings
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


def pdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    try:
        reader = PdfReader(str(path))
        return [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # pypdf raises many types for damaged files
        raise PdfError(f"unreadable PDF ({exc.__class__.__name__})") from exc


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


def pdf_paragraphs(pages: list[str]) -> tuple[str, list[Paragraph]]:
    """The document text (pages without furniture, joined) and its paragraphs, each with its page."""
    split = [clean_text(page).split("\n") for page in pages]
    running = _running(split)
    text = ""
    paragraphs: list[Paragraph] = []
    titled = False
    section = ""
    for page_no, lines in enumerate(split, start=1):
        kept = [line for line in lines if not _PAGE_NUMBER.match(line.strip()) and _shape(line) not in running]
        if not titled:
            body = [i for i, line in enumerate(kept) if line.strip()]
            if body:
                titled = True
                first = kept[body[0]]
                if len(first.split()) <= _TITLE_WORDS and not _ENDS_SENTENCE.search(first):
                    kept.insert(body[0] + 1, "")  # a blank line: the title is a paragraph of its own
        page_text = "\n".join(kept)
        offset = len(text)
        for p, heading in paragraphs_with_headings(page_text, page=page_no, first_number=len(paragraphs) + 1):
            paragraphs.append(Paragraph(p.number, p.start + offset, p.end + offset, p.text, page_no, section))
            if heading:
                section = p.text
        text += page_text + "\n\n"
    return text, paragraphs
