"""Reading corpus files: encodings, languages, HTML and PDF text, bad files (index/load.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from docmaker import (
    DE_TEXT,
    EN_TEXT,
    ES_TEXT,
    FR_TEXT,
    ID_TEXT,
    NOISY_HTML,
    PDF_PAGES,
    PT_TEXT,
    binary_bytes,
    make_pdf,
    write,
)
from index_helpers import CORPUS, LANGUAGES

from index.load import UnreadableFile, iter_corpus, load_document


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def _load(path: Path, corpus: Path):
    return load_document(path, corpus, LANGUAGES)


@pytest.mark.parametrize(
    ("text", "encoding", "language"),
    [
        (PT_TEXT, "latin-1", "pt"),
        (ES_TEXT, "cp1252", "es"),  # charset-normalizer alone reads this as cp1250 ("ańadió")
        (DE_TEXT, "latin-1", "de"),  # ... and this as cp775 ("÷ffnet")
        (FR_TEXT, "latin-1", "fr"),
        (EN_TEXT, "utf-16", "en"),  # with a BOM
        (DE_TEXT, "utf-16-le", "de"),  # without one
        (ES_TEXT, "utf-16-be", "es"),
        (ID_TEXT, "utf-8-sig", "id"),
    ],
)
def test_encodings_decode_to_the_original_text(
    tmp_path: Path, text: str, encoding: str, language: str
) -> None:
    path = write(tmp_path / "doc.txt", text, encoding)
    doc = _load(path, tmp_path)
    assert [p.text for p in doc.paragraphs] == _paragraphs(text)
    assert doc.language == language


def test_a_western_file_with_terminal_control_still_decodes_as_cp1252(tmp_path: Path) -> None:
    """Control characters are the same bytes in every 8-bit code page, so they must not rule cp1252 out (an
    escape sequence in a Spanish cp1252 file made it cp1250: "ańadió")."""
    text = ES_TEXT.replace("fábrica", "\x1b[1mfábrica\x1b[0m") + "\n" + ES_TEXT  # 2 controls: not binary
    doc = _load(write(tmp_path / "doc.txt", text, "cp1252"), tmp_path)
    assert doc.encoding == "cp1252"
    assert [p.text for p in doc.paragraphs] == _paragraphs(ES_TEXT + "\n" + ES_TEXT)  # no escapes, accents


@pytest.mark.parametrize(
    ("name", "language"),
    [
        ("000_a037ab22804b191b.txt", "id"),
        ("001_af1fd91c05668dea.txt", "es"),
        ("002_d7e2c5e69dd3710c.txt", "pt"),
        ("003_beaee59b89498f57.txt", "id"),
        ("004_93b1566d212200ce.txt", "en"),
    ],
)
def test_language_of_each_bundled_document(name: str, language: str) -> None:
    doc = _load(CORPUS / name, CORPUS)
    assert doc.language == language
    assert doc.encoding == "utf-8"
    assert len(doc.sha256) == 64


def test_corpus_is_walked_recursively_skipping_hidden_and_unknown_files(tmp_path: Path) -> None:
    for rel in (
        "a.txt",
        "b/c.md",
        "b/d/e.html",
        "f.PDF",
        "g.htm",
        "h.markdown",
        "skip.xlsx",
        "skip.png",
        ".hidden.txt",
        ".git/config.txt",
        "b/.cache/x.txt",
    ):
        write(tmp_path / rel, "x")
    (tmp_path / "dir.txt").mkdir()
    found = [p.relative_to(tmp_path).as_posix() for p in iter_corpus(tmp_path)]
    assert found == ["a.txt", "b/c.md", "b/d/e.html", "f.PDF", "g.htm", "h.markdown"]


def test_nested_file_is_named_by_its_posix_path_below_the_corpus(tmp_path: Path) -> None:
    path = write(tmp_path / "deep" / "er" / "note.md", EN_TEXT)
    assert _load(path, tmp_path).file == "deep/er/note.md"


def test_html_keeps_article_text_and_drops_navigation_scripts_and_cookie_banners(tmp_path: Path) -> None:
    doc = _load(write(tmp_path / "page.html", NOISY_HTML), tmp_path)
    texts = [p.text for p in doc.paragraphs]
    assert texts == [  # the headline is the section of the paragraphs under it, not text to quote
        "Apple growers in the valley expect a record harvest this autumn after a mild spring.",
        "The cooperative said it would hire three hundred seasonal workers to pick the fruit.",
    ]
    assert {p.section for p in doc.paragraphs} == {"Apple growers expect a record harvest"}
    joined = "\n".join(texts)
    for word in ("SHOULD-NOT-APPEAR", "cookie", "Related Post", "LEAVE A REPLY", "font-family"):
        assert word not in joined
    assert doc.language == "en"


def test_html_inline_markup_and_line_breaks_do_not_split_or_glue_words(tmp_path: Path) -> None:
    html = "<html><body><p>Nv<b>idia</b> shares rose<br>on Monday, <a href='x'>analysts</a> said.</p></body>"
    doc = _load(write(tmp_path / "inline.htm", html), tmp_path)
    assert [p.text for p in doc.paragraphs] == ["Nvidia shares rose on Monday, analysts said."]


def test_pdf_pages_become_numbered_paragraphs_with_page_numbers(tmp_path: Path) -> None:
    doc = _load(write(tmp_path / "report.pdf", make_pdf(PDF_PAGES)), tmp_path)
    assert [(p.number, p.page, p.text) for p in doc.paragraphs] == [
        (1, 1, PDF_PAGES[0][0]),
        (2, 1, PDF_PAGES[0][1]),
        (3, 2, PDF_PAGES[1][0]),
        (4, 2, PDF_PAGES[1][1]),
    ]
    for p in doc.paragraphs:  # spans point into the extracted text
        assert doc.text[p.start : p.end] == p.text
    assert doc.encoding == "pdf" and doc.language == "en"


def test_markdown_heading_is_the_section_not_a_paragraph(tmp_path: Path) -> None:
    doc = _load(write(tmp_path / "note.md", "# Le musée\n\n" + FR_TEXT), tmp_path)
    assert doc.language == "fr"
    assert [p.text for p in doc.paragraphs] == _paragraphs(FR_TEXT)
    assert {p.section for p in doc.paragraphs} == {"Le musée"}


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.md", b"  \n\n\t\n", "empty file"),
        ("image.txt", binary_bytes(), "binary"),
        ("nul.txt", b"text with a \x00 NUL byte\x00\x00 and more text \x00", "binary"),
        ("fake.pdf", b"this is not a pdf at all", "not a PDF"),
        ("broken.pdf", b"%PDF-1.4\n" + bytes(range(256)) * 4, "PDF"),
        ("furniture.txt", b"LEAVE A REPLY\n\nPlease enter your comment!\n\nMust Read\n", "furniture"),
    ],
)
def test_bad_files_raise_unreadable_with_a_short_reason(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    path = write(tmp_path / name, data)
    with pytest.raises(UnreadableFile) as err:
        _load(path, tmp_path)
    message = str(err.value)
    assert reason.lower() in message.lower()
    assert "\n" not in message and len(message) < 80
