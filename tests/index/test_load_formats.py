"""Structure-aware loading: Markdown, HTML, PDF pages, .docx and CSV (index/structured.py, index/load_pdf.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from docmaker import make_pdf, write
from index_helpers import LANGUAGES

from index.chunk import chunk_document, document_sentences, location_label, tiktoken_counter
from index.load import SUFFIXES, load_document, scan_corpus
from index.records import chunk_records, sentence_records

GUIDE_MD = """# Allotment guide

The allotment opens at seven in the morning. Gates close at dusk every day of the year.

## Plot fees

| Plot size | Yearly fee | Deposit |
|-----------|-----------:|---------|
| Small     | 40 EUR     | 10 EUR  |
| Large     | 75 EUR     | 20 EUR  |

Fees are paid in January. Late payment costs five euros.

## Rules

- Keep the paths clear of tools.
- Water only before ten or after six.
"""

GUIDE_HTML = """<html><body><nav>Home | About</nav><article>
<h1>Allotment guide</h1><p>The allotment opens at seven in the morning.</p>
<h2>Plot fees</h2>
<table><tr><th>Plot size</th><th>Yearly fee</th></tr><tr><td>Small</td><td>40 EUR</td></tr>
<tr><td>Large</td><td>75 EUR</td></tr></table>
<p>Fees are paid in January.</p></article></body></html>"""


def _count(text: str) -> int:
    return len(tiktoken_counter()(text)) + 2


def _sentences(path: Path):
    return document_sentences(load_document(path, path.parent, LANGUAGES))


@pytest.mark.parametrize(("name", "content"), [("guide.md", GUIDE_MD), ("guide.html", GUIDE_HTML)])
def test_headings_are_sections_and_table_rows_name_their_columns(tmp_path: Path, name: str, content: str) -> None:
    path = write(tmp_path / name, content)
    sentences = _sentences(path)
    texts = [s.text for s in sentences]
    assert not any("#" in t or "|" in t or "<" in t for t in texts)  # no markup quoted
    assert "Allotment guide" not in " ".join(texts) and "Plot fees" not in " ".join(texts)  # headings aren't text
    assert "Plot size: Small; Yearly fee: 40 EUR" in " ".join(texts)  # a row is a record with its header
    row = next(s for s in sentences if "Large" in s.text)
    assert row.section == "Plot fees"
    assert location_label((row.paragraph,), row.page, row.section) == '"Plot fees"'
    opening = next(s for s in sentences if s.text.startswith("The allotment opens"))
    assert opening.section == "Allotment guide"
    assert not opening.text.startswith("Allotment guide")  # not glued to its heading


def test_markdown_list_items_stay_items(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path / "guide.md", GUIDE_MD), tmp_path, LANGUAGES)
    texts = [p.text for p in doc.paragraphs]
    assert "Keep the paths clear of tools." in texts and "Water only before ten or after six." in texts
    assert {p.section for p in doc.paragraphs if p.text.startswith(("Keep", "Water"))} == {"Rules"}


def test_chunk_and_sentence_records_carry_the_section(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path / "guide.md", GUIDE_MD), tmp_path, LANGUAGES)
    chunks = chunk_document(doc, 32, 0, _count)
    assert {c.section for c in chunks} >= {"Allotment guide", "Plot fees"}
    assert all(r.metadata["section"] in {"Allotment guide", "Plot fees", "Rules"} for r in chunk_records(chunks))
    assert {r.metadata["section"] for r in sentence_records(chunks)} == {"Allotment guide", "Plot fees", "Rules"}


def _report_pdf() -> bytes:
    body = [
        ["The harbour authority dredged the northern channel in March.", "Ships of deeper draught can now enter."],
        ["Cargo volumes rose by a fifth in the second quarter.", "Most of the growth came from grain exports."],
        ["The authority plans a second berth for next year.", "Funding is still being negotiated."],
    ]
    pages = []
    for number, lines in enumerate(body, start=1):
        top = ["Harbour Annual Report"] if number > 1 else ["Harbour Annual Report", "Port of Example 2024"]
        pages.append(top + lines + [f"Page {number} of 3"])
    return make_pdf(pages)


def test_pdf_pages_in_locations_running_headers_and_page_numbers_dropped(tmp_path: Path) -> None:
    path = write(tmp_path / "report.pdf", _report_pdf())
    doc = load_document(path, tmp_path, LANGUAGES)
    texts = [p.text for p in doc.paragraphs]
    assert not any("Page " in t and " of 3" in t for t in texts)
    assert not any("Harbour Annual Report" in t for t in texts)  # on every page: a running header
    assert texts[0] == "Port of Example 2024"  # the title line stays apart from the first sentence
    assert texts[1].startswith("The harbour authority dredged")
    cargo = next(s for s in document_sentences(doc) if s.text.startswith("Cargo volumes"))
    assert cargo.page == 2 and location_label((cargo.paragraph,), cargo.page) == "page 2"
    chunks = chunk_document(doc, 480, 0, _count)
    assert location_label(chunks[0].paragraphs, chunks[0].page, chunks[0].section, chunks[0].page_last) == "pages 1-3"


def test_docx_headings_paragraphs_and_tables(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Plot fees", level=1)
    document.add_paragraph("Fees are paid in January. Late payment costs five euros.")
    table = document.add_table(rows=2, cols=2)
    for cell, value in zip(table.rows[0].cells + table.rows[1].cells, ["Plot size", "Yearly fee", "Small", "40 EUR"],
                           strict=True):
        cell.text = value
    document.save(tmp_path / "guide.docx")
    doc = load_document(tmp_path / "guide.docx", tmp_path, LANGUAGES)
    assert [(p.text, p.section) for p in doc.paragraphs] == [
        ("Fees are paid in January. Late payment costs five euros.", "Plot fees"),
        ("Plot size: Small; Yearly fee: 40 EUR", "Plot fees"),
    ]
    assert doc.encoding == "docx" and doc.language == "en"


def test_damaged_docx_is_skipped_with_a_reason(tmp_path: Path) -> None:
    from index.load import UnreadableFile

    with pytest.raises(UnreadableFile, match="unreadable .docx"):
        load_document(write(tmp_path / "broken.docx", b"PK\x03\x04 not really a zip"), tmp_path, LANGUAGES)


def test_csv_rows_are_records_with_the_header(tmp_path: Path) -> None:
    path = write(tmp_path / "fees.csv", "Plot size;Yearly fee;Note\nSmall;40 EUR;paid in January\nLarge;75 EUR;\n")
    doc = load_document(path, tmp_path, LANGUAGES)
    assert [p.text for p in doc.paragraphs] == ["Plot size: Small; Yearly fee: 40 EUR; Note: paid in January",
                                                "Plot size: Large; Yearly fee: 75 EUR"]


def test_rst_is_skipped_with_a_line_saying_why(tmp_path: Path) -> None:
    write(tmp_path / "c" / "notes.rst", "Title\n=====\n\nSome text.\n")
    write(tmp_path / "c" / "fees.csv", "a,b\n1,2\n")
    scan = scan_corpus(tmp_path / "c")
    assert scan.skipped == [("notes.rst", "unsupported type .rst")]
    assert [p.name for p in scan.files] == ["fees.csv"]
    assert {".md", ".html", ".pdf", ".docx", ".csv", ".txt"} <= SUFFIXES


def test_markdown_front_matter_fields_are_text_not_a_heading(tmp_path: Path) -> None:
    """A YAML front matter block ("---" lines around "title: ...", "author: ...") parsed as a setext heading,
    so "author: Lucía Ferrer" was a heading replaced by the next one and never indexed: "Who wrote the guide?"
    could not be answered (the sweep of 2026-12-03). Its "key: value" lines are one paragraph (one sentence: the
    author beside the title), quoted as the file writes them; the body's headings and text are as before."""
    content = ("---\ntitle: Guía de compostaje\nauthor: Lucía Ferrer\ntags: [compost, huerto]\n  - nested: skipped\n"
               "---\n\n# Guía de compostaje\n\nEl compost está maduro a los seis meses.\n")
    doc = load_document(write(tmp_path / "guia.md", content), tmp_path, LANGUAGES)
    texts = [p.text for p in doc.paragraphs]
    assert texts == ["title: Guía de compostaje author: Lucía Ferrer tags: [compost, huerto]",
                     "El compost está maduro a los seis meses."]
    assert [p.section for p in doc.paragraphs][-1] == "Guía de compostaje"
    flat = " ".join(content.split())
    for sentence in document_sentences(doc):  # verbatim as the judge reads it: white space normalised
        assert " ".join((sentence.quote or sentence.text).split()) in flat
    # a "---" rule later in a file, or a file that opens with one and no closing line, is not front matter
    plain = "Intro line.\n\n---\n\ntitle: not metadata\n"
    assert "title: not metadata" in [p.text for p in load_document(write(tmp_path / "p.md", plain), tmp_path,
                                                                   LANGUAGES).paragraphs]
