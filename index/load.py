"""Read corpus files (txt, md, html, pdf, docx, csv) into text paragraphs with language and content hash.

Markdown, HTML, .docx and CSV are read by structure (index/structured.py: headings become sections, table
rows records); PDFs page by page (index/load_pdf.py: page numbers kept, running headers dropped).
reStructuredText is not in SUFFIXES: its headings and directives would be quoted as prose, so a .rst
file is skipped with the line "unsupported type .rst" rather than indexed badly.

Encodings are detected (BOMs, strict UTF-8, then charset-normalizer), so Latin-1 and UTF-16 files
index like UTF-8 ones. charset-normalizer cannot tell the Latin 8-bit code pages apart on short texts
(it reads "añadió" as cp1250 "ańadió"); citebot's languages are all written in Western Latin script, so
when a file decodes as Latin text either way, cp1252 (a superset of Latin-1's letters) is chosen.
Files that cannot give text raise `UnreadableFile` with a one-line reason. Terminal control (escape
sequences, control characters, bidi overrides) is removed from the text here, once (index/sanitize.py).

`scan_corpus` decides which files are documents, and says why each other one is skipped. A symbolic
link whose real path lies outside the corpus folder is skipped unless `follow_links` is set: without
that rule `ln -s /etc/passwd corpus/passwd.txt` would put the password file in the index, quotable by
anyone allowed to ask.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from index.boilerplate import strip_furniture
from index.language import detect_language
from index.load_pdf import PdfError, pdf_pages, pdf_paragraphs
from index.paragraphs import split_paragraphs
from index.sanitize import clean_line, clean_text
from index.structured import csv_blocks, docx_blocks, html_blocks, markdown_blocks, to_paragraphs
from index.types import Paragraph

logger = logging.getLogger(__name__)

SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".csv"}  # the supported types
_MARKDOWN = {".md", ".markdown"}
_HTML = {".html", ".htm"}
_BOMS = [
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
]


class UnreadableFile(Exception):
    """A corpus file that yields no indexable text; the message is shown to the user as is."""


@dataclass
class LoadedDocument:
    """A corpus file as text: paragraphs are article text only (furniture removed)."""

    file: str  # path relative to the corpus folder, POSIX style: what citations show
    text: str
    paragraphs: list[Paragraph]
    language: str
    encoding: str
    sha256: str


def file_digest(path: Path) -> str:
    """SHA-256 of the file's bytes: the identity used for incremental indexing."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
    real = path.resolve()
    if not real.exists():
        return "broken link"
    if follow_links or real.is_relative_to(root):
        return None
    return f"outside the corpus (a link to {clean_line(str(real))})"


def decode_bytes(raw: bytes) -> tuple[str, str]:
    """Text and encoding name of `raw`; raises UnreadableFile for binary data."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return raw.decode(name), name
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None or best.encoding is None:
        raise UnreadableFile("binary or unknown encoding")
    if all(_is_latin_block(block) for block in best.alphabets):
        western = _western_text(raw)
        if western is not None:
            return western, "cp1252"
    return str(best), best.encoding


def _is_latin_block(block: str) -> bool:
    return block.startswith("Latin") or block in {"Basic Latin", "Control character", "General Punctuation",
                                                  "Currency Symbols"}


def _western_text(raw: bytes) -> str | None:
    """`raw` as cp1252 when that gives letters of Western European languages only, else None."""
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        return None
    for ch in text:
        if ord(ch) < 32 and ch not in "\t\n\r\f":
            return None
        if ch.isalpha() and ord(ch) > 0x7F and not (0xC0 <= ord(ch) <= 0xFF or ch in "ŒœŠšŽžŸƒ"):
            return None
    return text


def _looks_binary(text: str) -> bool:
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\t\n\r\f")
    return "\x00" in text or controls > max(2, len(text[:20000]) // 100)


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
    return [replace(p, text=clean_text(p.text), section=clean_line(p.section)) for p in paragraphs]


def _docx_blocks(path: Path) -> list[tuple[str, str]]:
    try:
        return docx_blocks(path)
    except Exception as exc:  # python-docx raises zipfile, lxml and KeyError types for damaged files
        raise UnreadableFile(f"unreadable .docx ({exc.__class__.__name__})") from exc


def load_document(path: Path, corpus: Path, languages: tuple[str, ...]) -> LoadedDocument:
    """Read one file into a LoadedDocument, or raise UnreadableFile saying why not."""
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
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
        if _looks_binary(text):
            raise UnreadableFile("binary file")
        if suffix in _HTML or suffix in _MARKDOWN or suffix == ".csv":
            # parse first: character references like &#27; are escapes too
            parse = html_blocks if suffix in _HTML else markdown_blocks if suffix in _MARKDOWN else csv_blocks
            text, paragraphs = to_paragraphs(parse(text))
            text, paragraphs = clean_text(text), _cleaned(paragraphs)
        else:
            text = clean_text(text)
            paragraphs = split_paragraphs(text)
    article = strip_furniture(paragraphs, text)
    if not article:
        raise UnreadableFile("no text found" if not paragraphs else "only page furniture, no article text")
    language = detect_language(_opening(article), languages, fallback="und", min_confidence=0.0)
    return LoadedDocument(path.relative_to(corpus).as_posix(), text, article, language, encoding, digest)
