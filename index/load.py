"""Read corpus files (txt, md, html, pdf, docx, csv) into text paragraphs with language and content hash.

Markdown, HTML, .docx and CSV are read by structure (index/structured.py: headings become sections, table
rows records); PDFs page by page (index/load_pdf.py: page numbers kept, running headers dropped); plain
text by blank lines and line shapes (index/paragraphs.py: heading lines become sections, as in PDFs; a big
file streamed window by window keeps no sections yet).
reStructuredText is not in SUFFIXES: its headings and directives would be quoted as prose, so a .rst
file is skipped with the line "unsupported type .rst" rather than indexed badly.

Encodings are detected in index/decode.py. A plain-text file of STREAM_BYTES or more is not held whole:
its text is read window by window whenever it is chunked (index/stream_text.py), so memory stays bounded
by a window whatever the file's size. Files that cannot give text raise `UnreadableFile` with a one-line
reason. Terminal control (escape sequences, control characters, bidi overrides) is removed from the text
here, once (index/sanitize.py).

`scan_corpus` decides which files are documents, and says why each other one is skipped. A symbolic
link whose real path lies outside the corpus folder is skipped unless `follow_links` is set: without
that rule `ln -s /etc/passwd corpus/passwd.txt` would put the password file in the index, quotable by
anyone allowed to ask.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from index.boilerplate import strip_furniture
from index.decode import UnreadableFile, decode_bytes, looks_binary
from index.language import detect_language
from index.load_pdf import PdfError, pdf_pages, pdf_paragraphs
from index.paragraphs import paragraphs_with_headings, plain_sections
from index.sanitize import clean_line, clean_text
from index.stream_text import STREAM_BYTES, TextWindow, probe, text_windows
from index.structured import Block, csv_blocks, docx_blocks, html_blocks, markdown_blocks, to_paragraphs
from index.types import Paragraph

logger = logging.getLogger(__name__)

SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".csv"}  # the supported types
_MARKDOWN = {".md", ".markdown"}
_HTML = {".html", ".htm"}


def quotes_run_on(name: str) -> bool:
    """Whether sentences that follow each other in this file's text also follow each other in the file, white
    space aside, so two may be quoted as one passage. Not in Markdown: list, blockquote and table marks ("- ",
    "> ", "|") sit between its blocks and lines, outside every sentence's quote, so a joined quote would not
    be the file's text."""
    return PurePosixPath(name).suffix.lower() not in _MARKDOWN


def cites_rows(name: str) -> bool:
    """Whether this file's paragraphs are table rows numbered by their row in the file (CSV: index/structured.py
    csv_blocks), so a citation says "row 4" where other files say "paragraph 4"."""
    return PurePosixPath(name).suffix.lower() == ".csv"


@dataclass
class LoadedDocument:
    """A corpus file as text: paragraphs are article text only (furniture removed). A streamed big file
    holds neither: `windows()` reads its text from disk each time it is asked for."""

    file: str  # path relative to the corpus folder, POSIX style: what citations show
    text: str
    paragraphs: list[Paragraph]
    language: str
    encoding: str
    sha256: str
    stream: Callable[[], Iterator[TextWindow]] | None = None

    def windows(self) -> Iterator[TextWindow]:
        """The article as windows of text: the whole of it at once unless the file is streamed."""
        if self.stream is not None:
            yield from self.stream()
        else:
            yield TextWindow(self.text, 0, self.paragraphs)


def file_digest(path: Path) -> str:
    """SHA-256 of the file's bytes: the identity used for incremental indexing (read in blocks: a big
    file is never held whole)."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


@dataclass
class CorpusScan:
    """The documents of a corpus folder, and (name, reason) of every other entry that is not hidden."""

    files: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def scan_corpus(corpus: Path, follow_links: bool = False) -> CorpusScan:
    """Documents below `corpus` in sorted path order; hidden files and folders are left out silently,
    links out of the corpus (unless `follow_links`), other types and special files with a reason."""
    scan = CorpusScan()
    root = corpus.resolve()
    _walk(corpus, PurePosixPath(), root, follow_links, {root}, scan)
    return scan


def iter_corpus(corpus: Path, follow_links: bool = False) -> Iterator[Path]:
    """The documents below `corpus`, sorted (see `scan_corpus`)."""
    yield from scan_corpus(corpus, follow_links).files


def _walk(folder: Path, rel: PurePosixPath, root: Path, follow_links: bool, seen: set[Path],
          scan: CorpusScan) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as exc:
        scan.skipped.append((rel.as_posix(), f"cannot read ({exc.strerror or exc})"))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path, name = folder / entry.name, (rel / entry.name).as_posix()
        reason = _link_reason(path, root, follow_links) if entry.is_symlink() else None
        if reason is not None:
            scan.skipped.append((name, reason))
        elif entry.is_dir():
            real = path.resolve()
            if entry.is_symlink() and real.is_relative_to(root):
                scan.skipped.append((name, "a link to a folder inside the corpus, indexed under its own name"))
            elif real not in seen:  # a followed link can lead back to a folder already walked
                _walk(path, rel / entry.name, root, follow_links, seen | {real}, scan)
        elif not entry.is_file():
            scan.skipped.append((name, "not a regular file"))
        elif path.suffix.lower() not in SUFFIXES:
            suffix = path.suffix.lower() or "(no file extension)"
            scan.skipped.append((name, f"unsupported type {suffix}"))
        else:
            scan.files.append(path)


def _link_reason(path: Path, root: Path, follow_links: bool) -> str | None:
    """Why the symbolic link `path` is skipped, or None when it may be followed."""
    try:
        real = path.resolve()
    except RuntimeError:  # pathlib's "Symlink loop from ..." (a link to itself, or two links to each other)
        return "a link loop"
    except OSError as exc:  # e.g. a name too long once resolved
        return f"cannot follow the link ({exc.strerror or exc})"
    if not real.exists():
        return "broken link"
    if follow_links or real.is_relative_to(root):
        return None
    return f"outside the corpus (a link to {clean_line(str(real))})"


def _opening(paragraphs: list[Paragraph], size: int = 5000) -> str:
    """The first `size` characters of the article joined by spaces: all the detector reads, without
    joining a big file's whole text."""
    parts: list[str] = []
    length = 0
    for p in paragraphs:
        if length >= size:
            break
        parts.append(p.text)
        length += len(p.text) + 1
    return " ".join(parts)


def _cleaned(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Paragraphs with terminal control removed from text and section (cleaning a clean text is a no-op,
    so spans stay exact in the usual case)."""
    return [replace(p, text=clean_text(p.text), section=clean_line(p.section), source=clean_text(p.source))
            for p in paragraphs]


def _plain_paragraphs(text: str) -> tuple[list[Paragraph], set[int]]:
    """The paragraphs of a plain-text file and the numbers of those that are heading lines
    (index/paragraphs.py: they become sections once the page furniture is gone, `plain_sections`)."""
    paragraphs: list[Paragraph] = []
    headings: set[int] = set()
    for paragraph, heading in paragraphs_with_headings(text):
        paragraphs.append(paragraph)
        if heading:
            headings.add(paragraph.number)
    return paragraphs, headings


def _docx_blocks(path: Path) -> list[Block]:
    try:
        return docx_blocks(path)
    except Exception as exc:  # python-docx raises zipfile, lxml and KeyError types for damaged files
        raise UnreadableFile(f"unreadable .docx ({exc.__class__.__name__})") from exc


def load_document(path: Path, corpus: Path, languages: tuple[str, ...]) -> LoadedDocument:
    """Read one file into a LoadedDocument, or raise UnreadableFile saying why not."""
    if path.suffix.lower() == ".txt" and path.stat().st_size >= STREAM_BYTES:
        return _streamed_document(path, corpus, languages)
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    headings: set[int] = set()  # a plain-text file's heading lines, by paragraph number
    if not raw.strip():
        raise UnreadableFile("empty file")
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        if not raw.startswith(b"%PDF"):
            raise UnreadableFile("not a PDF")
        try:
            text, paragraphs = pdf_paragraphs(pdf_pages(path))
        except PdfError as exc:
            raise UnreadableFile(str(exc)) from exc
        encoding = "pdf"
    elif suffix == ".docx":
        text, paragraphs = to_paragraphs(_docx_blocks(path))
        text, paragraphs, encoding = clean_text(text), _cleaned(paragraphs), "docx"
    else:
        text, encoding = decode_bytes(raw)
        if looks_binary(text):
            raise UnreadableFile("binary file")
        if suffix in _HTML or suffix in _MARKDOWN or suffix == ".csv":
            # parse first: character references like &#27; are escapes too
            parse = html_blocks if suffix in _HTML else markdown_blocks if suffix in _MARKDOWN else csv_blocks
            text, paragraphs = to_paragraphs(parse(text))
            text, paragraphs = clean_text(text), _cleaned(paragraphs)
        else:
            text = clean_text(text)
            paragraphs, headings = _plain_paragraphs(text)
    article = strip_furniture(paragraphs, text)
    if headings:  # after the furniture: a comment form's "Leave a Reply" heads nothing
        article = plain_sections(article, headings)
    if not article:
        raise UnreadableFile("no text found" if not paragraphs else "only page furniture, no article text")
    language = detect_language(_opening(article), languages, fallback="und", min_confidence=0.0)
    return LoadedDocument(path.relative_to(corpus).as_posix(), text, article, language, encoding, digest)


def _streamed_document(path: Path, corpus: Path, languages: tuple[str, ...]) -> LoadedDocument:
    """A big plain-text file as a LoadedDocument that reads its windows from disk when chunked; its language
    is detected from the opening of the first window that has article text."""
    found = probe(path)
    had_text = False
    for window in text_windows(path, found):
        had_text = had_text or bool(window.source.strip())
        if window.paragraphs:
            language = detect_language(_opening(window.paragraphs), languages, fallback="und", min_confidence=0.0)
            return LoadedDocument(path.relative_to(corpus).as_posix(), "", [], language, found.encoding,
                                  found.sha256, stream=lambda: text_windows(path, found))
    raise UnreadableFile("only page furniture, no article text" if had_text else "no text found")
