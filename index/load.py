"""Read corpus files (txt, md, html, pdf) into text paragraphs with language and content hash.

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
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from index.boilerplate import strip_furniture
from index.language import detect_language
from index.paragraphs import split_paragraphs
from index.sanitize import clean_line, clean_text
from index.types import Paragraph

logger = logging.getLogger(__name__)

SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf"}  # the one list of supported types
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


def _html_to_text(html: str) -> str:
    """Article text of an HTML page: one paragraph per block, navigation and scripts dropped."""
    from selectolax.lexbor import LexborHTMLParser  # selectolax 1.x dropped the old Modest HTMLParser

    tree = LexborHTMLParser(html)
    for tag in ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe",
                "svg", "figcaption", "button", "template"):
        for node in tree.css(tag):
            node.decompose()
    for br in tree.css("br"):
        br.replace_with(" ")
    root = tree.css_first("article") or tree.css_first("main") or tree.body or tree.root
    if root is None:
        return ""
    blocks = "h1,h2,h3,h4,h5,h6,p,li,blockquote,pre,dt,dd,td,th"
    nodes = root.css(blocks)
    if not nodes:
        return root.text(separator=" ", strip=True)
    # node wrappers are new objects on every query: compare the DOM nodes by mem_id, not by `is`
    inner = {n.mem_id for node in nodes for n in node.css(blocks) if n.mem_id != node.mem_id}
    texts = [" ".join(node.text(separator="").split()) for node in nodes if node.mem_id not in inner]
    return "\n\n".join(t for t in texts if t)


def _pdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    try:
        reader = PdfReader(str(path))
        return [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # pypdf raises many types for damaged files
        raise UnreadableFile(f"unreadable PDF ({exc.__class__.__name__})") from exc


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
        pages = _pdf_pages(path)
        text, paragraphs, encoding = "", [], "pdf"
        for page_no, page_text in enumerate(pages, start=1):
            offset = len(text)
            page_text = clean_text(page_text)
            found = split_paragraphs(page_text, page=page_no, first_number=len(paragraphs) + 1)
            paragraphs += [Paragraph(p.number, p.start + offset, p.end + offset, p.text, page_no) for p in found]
            text += page_text + "\n\n"
    else:
        text, encoding = decode_bytes(raw)
        if _looks_binary(text):
            raise UnreadableFile("binary file")
        if suffix in {".html", ".htm"}:
            text = _html_to_text(text)  # after parsing: character references like &#27; are escapes too
        text = clean_text(text)
        paragraphs = split_paragraphs(text)
    article = strip_furniture(paragraphs, text)
    if not article:
        raise UnreadableFile("no text found" if not paragraphs else "only page furniture, no article text")
    language = detect_language(_opening(article), languages, fallback="und", min_confidence=0.0)
    return LoadedDocument(path.relative_to(corpus).as_posix(), text, article, language, encoding, digest)
