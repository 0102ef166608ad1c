"""Tables in PDFs (index/pdf_tables.py, index/load_pdf.py): pypdf gives a table drawn cell by cell as one line
per cell, which made cells headings (sections of the text below) and ran others together. A row is now one
paragraph, "Service: Passport renewal; Fee: 85 EUR; ...", never a heading; prose PDFs load as before.

The PDFs are written by hand as reportlab 5 writes a platypus document (checked against reportlab's own output
for the same table): every paragraph and every table cell is a text object of its own,
`BT 1 0 0 1 x y Tm /F1 10 Tf 12 TL (line) Tj T* ... ET`.
"""

from __future__ import annotations

from pathlib import Path

from docmaker import PDF_PAGES, make_pdf, pdf_document, pdf_escape, write
from index_helpers import LANGUAGES

from index.chunk import document_sentences
from index.load import load_document
from index.load_pdf import pdf_pages, pdf_paragraphs
from index.pdf_tables import MAX_CELL_LINES, PageLine, rows_as_lines

# (x, y, font, lines): one text object; F1 is Helvetica, F2 Helvetica-Bold
Text = tuple[float, float, str, list[str]]

INTRO = ["The town hall offers the services below to residents and visitors. Fees are paid at the front desk by",
         "card or in cash, and receipts are given on request."]
OUTRO = ["Late applications are accepted only when the office has capacity. Refunds are not given once a",
         "document has been printed."]
FEES = [["Service", "Fee", "Deadline"],
        ["Passport renewal", "85 EUR", "30 days before travel"],
        ["Birth certificate", "12 EUR", "None"],
        ["Parking permit", "40 EUR", "31 January"],
        ["Marriage licence", "120 EUR", "Six weeks before the ceremony"]]
RECORDS = ["Service: Passport renewal; Fee: 85 EUR; Deadline: 30 days before travel",
           "Service: Birth certificate; Fee: 12 EUR; Deadline: None",
           "Service: Parking permit; Fee: 40 EUR; Deadline: 31 January",
           "Service: Marriage licence; Fee: 120 EUR; Deadline: Six weeks before the ceremony"]
COLUMNS = (157.0, 246.2, 298.8)  # where reportlab put the three columns' cells


def _pdf(pages: list[list[Text]]) -> bytes:
    """A PDF whose pages hold these text objects, each drawn as reportlab draws a paragraph or a cell."""
    return pdf_document(["\n".join(f"BT 1 0 0 1 {x} {y} Tm /{font} 10 Tf 12 TL "
                                   + " ".join(f"({pdf_escape(t)}) Tj T*" for t in lines) + " ET"
                                   for x, y, font, lines in texts) for texts in pages],
                        fonts=("Helvetica", "Helvetica-Bold"), width=595)


def _table(rows: list[list[str]], top: float, header_font: str = "F1") -> list[Text]:
    """One text object per cell, row by row, 18 points apart."""
    return [(COLUMNS[j], top - 18 * i, header_font if i == 0 else "F1", [cell])
            for i, row in enumerate(rows) for j, cell in enumerate(row)]


def _fee_page(rows: list[list[str]] = FEES, header_font: str = "F1") -> list[Text]:
    return ([(215.6, 745.9, "F2", ["Town Hall Services"]), (78.0, 725.9, "F1", INTRO),
             (78.0, 685.9, "F2", ["Fee schedule"])]
            + _table(rows, 662.9, header_font) + [(78.0, 563.9, "F1", OUTRO)])


def _paragraphs(tmp_path: Path, pages: list[list[Text]]):
    return pdf_paragraphs(pdf_pages(write(tmp_path / "fees.pdf", _pdf(pages))))


def test_table_rows_are_paragraphs_with_their_header_and_never_sections(tmp_path: Path) -> None:
    text, paragraphs = _paragraphs(tmp_path, [_fee_page()])
    assert [(p.text, p.section) for p in paragraphs] == [
        ("Town Hall Services", ""),
        (" ".join(INTRO), "Town Hall Services"),
        ("Fee schedule", "Town Hall Services"),
    ] + [(record, "Fee schedule") for record in RECORDS] + [(" ".join(OUTRO), "Fee schedule")]
    for p in paragraphs:
        assert " ".join(text[p.start:p.end].split()) == p.text


def test_a_row_is_quoted_whole_with_its_page(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path / "fees.pdf", _pdf([_fee_page()])), tmp_path, LANGUAGES)
    sentences = document_sentences(doc)
    passport = next(s for s in sentences if "Passport" in s.text)
    assert (passport.text, passport.page, passport.section) == (RECORDS[0], 1, "Fee schedule")
    assert doc.text[passport.start:passport.end] == RECORDS[0]
    assert not {s.section for s in sentences} & {cell for row in FEES for cell in row}


def test_a_bold_header_names_the_columns_and_a_wrapped_cell_stays_whole(tmp_path: Path) -> None:
    # reportlab's VALIGN MIDDLE: the one-line cells sit level with the middle of the wrapped one
    wrapped = ["Thirty days before the date of", "travel, or sixty days in summer"]
    head = ["Service", "Fee", "Deadline"]
    rows: list[Text] = [(x, 662.9, "F2", [cell]) for x, cell in zip(COLUMNS, head, strict=True)]
    rows += [(COLUMNS[0], 638.9, "F1", ["Passport renewal"]), (COLUMNS[1], 638.9, "F1", ["85 EUR"]),
             (COLUMNS[2], 644.9, "F1", wrapped)]
    rows += [(x, 614.9, "F1", [cell]) for x, cell in zip(COLUMNS, ["Birth certificate", "12 EUR", "None"], strict=True)]
    _, paragraphs = _paragraphs(tmp_path, [[(78.0, 700.9, "F1", ["Fees are listed below."])] + rows])
    assert [p.text for p in paragraphs] == [
        "Fees are listed below.",
        "Service: Passport renewal; Fee: 85 EUR; Deadline: " + " ".join(wrapped),
        "Service: Birth certificate; Fee: 12 EUR; Deadline: None",
    ]


def test_without_a_header_the_rows_are_cells_joined(tmp_path: Path) -> None:
    hours = [["Day", "Opening hours"], ["Monday", "9:00 - 17:00"], ["Saturday", "Closed"]]
    _, paragraphs = _paragraphs(tmp_path, [_fee_page(hours)])
    assert [(p.text, p.section) for p in paragraphs][3:6] == [
        ("Day; Opening hours", "Fee schedule"), ("Monday; 9:00 - 17:00", "Fee schedule"),
        ("Saturday; Closed", "Fee schedule")]
    assert paragraphs[-1].section == "Fee schedule"


def test_prose_pdfs_keep_pypdfs_text(tmp_path: Path) -> None:
    # one text object per page (docmaker), one per paragraph (reportlab), and two columns of prose side by side
    column = [f"Line {i} of a column of prose that runs on" for i in range(MAX_CELL_LINES + 1)]
    pdfs = {
        "lines.pdf": make_pdf(PDF_PAGES),
        "paragraphs.pdf": _pdf([[(78.0, 725.9, "F1", INTRO), (78.0, 690.9, "F1", OUTRO)]]),
        "columns.pdf": _pdf([[(78.0, 725.9, "F1", column), (320.0, 725.9, "F1", column),
                              (78.0, 600.9, "F1", column), (320.0, 600.9, "F1", column)]]),
    }
    from pypdf import PdfReader

    for name, data in pdfs.items():
        path = write(tmp_path / name, data)
        assert [page.text for page in pdf_pages(path)] == [page.extract_text() for page in PdfReader(path).pages]
        assert all(not page.rows for page in pdf_pages(path))


def _line(text: str, x: float, y: float) -> PageLine:
    return PageLine(text, x, y, "Helvetica")


def test_lines_side_by_side_only_make_a_table_in_columns() -> None:
    table = [_line("A1", 10, 100), _line("10 m2", 60, 100), _line("A2", 10, 80), _line("20 m2", 60, 80)]
    assert rows_as_lines(table) == (["A1; 10 m2", "A2; 20 m2"], {0, 1})
    # a second "row" whose first piece starts right of the first row's second: not columns
    crossed = [_line("the", 10, 100), _line("bold word", 60, 100), _line("another line of", 70, 80),
               _line("text", 150, 80)]
    assert rows_as_lines(crossed) == ([line.text for line in crossed], set())
    # one row alone, rows of different widths, a row above the one before, lines without positions
    for lines in (table[:2], table[:2] + [table[2]], [table[2], table[3], table[0], table[1]],
                  [line._replace(x=None) for line in table]):
        assert rows_as_lines(lines) == ([line.text for line in lines], set())
