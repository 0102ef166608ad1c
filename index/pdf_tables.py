"""Table rows of a PDF page put back together: pypdf gives a table drawn cell by cell as one line per cell.

reportlab's Table (and other producers that draw each cell as a text object of its own) comes out of
pypdf as "Service", "Fee", "Deadline", "Passport renewal", "85 EUR", ... one line each. The paragraph
splitter then took short cells for headings, the sections of the text below them, and ran others
together, so a label and its value were never quoted together.

The rule uses where pypdf says each line starts (its `visitor_text` positions), not the words:
- a cell is a line, or a few lines (at most MAX_CELL_LINES) that start at the same left edge, each below
  the one before (a wrapped cell);
- a row is two or more cells in a row of the text, each starting right of the one before, whose lines
  overlap in height (cells aligned to the top, middle or bottom of a row of wrapped cells). Prose has one
  line per height: two lines side by side are cells;
- a table is at least MIN_ROWS such rows one after another, with the same number of cells, each row below
  the one before, and columns that do not overlap: every cell of column j starts left of every cell of
  column j+1 (true of left-, right- and centre-aligned columns; not of two prose lines cut in pieces).
A page with no such run keeps its lines as they were, so prose PDFs load as before.

Each row becomes one line rendered as a CSV row is (index/structured.py: row_record): "Service: Passport
renewal; Fee: 85 EUR; Deadline: 30 days before travel" when the first row is a header, else the cells
joined by "; ". The first row is a header when it is set in fonts no other row uses (a bold header row),
or when none of its cells has a digit while one column has a digit in every other row (at least two):
"Fee" over "85 EUR", "12 EUR". Known limits: an empty cell or a cell that pypdf splits in two changes the
row's cell count and ends the table there (the rows on either side still count); a table whose cells pypdf
already joins into one line per row is left as it is; a header repeated on the next page is not known there.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from index.structured import row_record

# How far apart (in points) two lines may start and still be on one height or at one left edge. Cells of
# one row are drawn on the same baseline and a wrapped cell's lines at the same x, to a hundredth of a
# point; a text line is 10-12 points high, so two lines of text never come this close.
POSITION_PT = 1.0
# Lines of one wrapped cell at most: a table cell wraps over a few lines; a longer run of lines at one left
# edge is a column of prose, which must not become a cell of a "table" of two columns of text.
MAX_CELL_LINES = 6
MIN_ROWS = 2  # a header and one row, or two rows: one row alone is not a table


class PageLine(NamedTuple):
    """A line of pypdf's page text, with where its first character was drawn (None when not known)."""

    text: str
    x: float | None
    y: float | None
    font: str  # the /BaseFont of its first piece ("" when not known)


class _Cell(NamedTuple):
    first: int  # its line indices in the page, first and last
    last: int
    x: float
    top: float
    bottom: float
    font: str
    text: str


def page_with_positions(page: Any) -> tuple[str, list[PageLine] | None]:
    """pypdf's text of `page` (exactly what `extract_text()` gives) and its lines with positions; None instead
    of the lines when the pieces pypdf reported do not add up to its text."""
    pieces: list[tuple[str, float | None, float | None, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, _size: float) -> None:
        if not text:
            return
        try:  # where the piece starts on the page: its text matrix times the current matrix (pypdf's `mult`)
            a, b, c, d, e, f = (tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3],
                                tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3],
                                tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5])
            name = str(font.get("/BaseFont", "")) if hasattr(font, "get") else ""
        except (TypeError, ValueError, IndexError, AttributeError):  # a damaged page must still give its text
            pieces.append((text, None, None, ""))
            return
        upright = a > 0 and d > 0 and abs(b) < 1e-6 and abs(c) < 1e-6  # rotated text: no positions
        pieces.append((text, e if upright else None, f if upright else None, name))

    text = page.extract_text(visitor_text=visit) or ""
    if "".join(piece[0] for piece in pieces) != text:
        return text, None
    return text, _lines(pieces)


def _lines(pieces: list[tuple[str, float | None, float | None, str]]) -> list[PageLine]:
    """The lines of the pieces' text, each with the position of the piece it starts in (None for a line that
    starts after a newline inside a piece: pypdf did not say where)."""
    lines: list[PageLine] = []
    parts: list[str] = []
    start: tuple[float | None, float | None, str] | None = None
    for text, x, y, font in pieces:
        for k, part in enumerate(text.split("\n")):
            if k:
                lines.append(PageLine("".join(parts), *(start or (None, None, ""))))
                parts, start = [], None
            if part:
                start = start or ((x, y, font) if k == 0 else (None, None, font))
                parts.append(part)
    lines.append(PageLine("".join(parts), *(start or (None, None, ""))))
    return lines


def _cells(lines: list[PageLine]) -> list[_Cell | None]:
    """Lines grouped into cells (runs at one left edge, each line lower), in order; None for a line that
    cannot be in one (no position, no text, or in a run longer than MAX_CELL_LINES)."""
    out: list[_Cell | None] = []
    i = 0
    while i < len(lines):
        x, y = lines[i].x, lines[i].y
        if x is None or y is None or not lines[i].text.strip():
            out.append(None)
            i += 1
            continue
        j = i + 1
        while j < len(lines):
            nx, ny, py = lines[j].x, lines[j].y, lines[j - 1].y
            if (nx is None or ny is None or py is None or not lines[j].text.strip()
                    or abs(nx - x) > POSITION_PT or ny >= py - POSITION_PT):
                break
            j += 1
        if j - i > MAX_CELL_LINES:
            out += [None] * (j - i)
        else:
            text = " ".join(" ".join(line.text.split()) for line in lines[i:j])
            out.append(_Cell(i, j - 1, x, y, lines[j - 1].y or y, lines[i].font, text))
        i = j
    return out


def _rows(cells: list[_Cell | None]) -> list[list[_Cell]]:
    """Consecutive cells in rows: each cell right of the one before and level with the row (its lines overlap
    the row's height); a line of prose is a row of one cell, and a line outside every cell an empty row, so
    that rows stay in the page's order and no table runs across such a line."""
    rows: list[list[_Cell]] = []
    row: list[_Cell] = []
    top = bottom = 0.0
    for cell in cells:
        if (cell is not None and row and cell.x > row[-1].x + POSITION_PT
                and cell.bottom <= top + POSITION_PT and cell.top >= bottom - POSITION_PT):
            row.append(cell)
            top, bottom = max(top, cell.top), min(bottom, cell.bottom)
            continue
        if row:
            rows.append(row)
        row = [] if cell is None else [cell]
        if cell is None:
            rows.append([])
        else:
            top, bottom = cell.top, cell.bottom
    if row:
        rows.append(row)
    return rows


class _Table:
    """Rows that make a table so far, with each column's leftmost and rightmost start, so that whether the next
    row fits is decided in time linear in its cells."""

    def __init__(self, row: list[_Cell]):
        self.rows = [row]
        self.lefts = [c.x for c in row]
        self.rights = [c.x for c in row]

    def add(self, row: list[_Cell]) -> bool:
        """Add `row` if it continues the table: as many cells, below its last row, columns still apart."""
        last = self.rows[-1]
        if len(row) != len(last) or max(c.top for c in row) >= min(c.bottom for c in last) - POSITION_PT:
            return False
        lefts = [min(a, c.x) for a, c in zip(self.lefts, row, strict=True)]
        rights = [max(a, c.x) for a, c in zip(self.rights, row, strict=True)]
        if any(rights[j] >= lefts[j + 1] for j in range(len(row) - 1)):
            return False
        self.rows.append(row)
        self.lefts, self.rights = lefts, rights
        return True


def _tables(rows: list[list[_Cell]]) -> list[list[list[_Cell]]]:
    """Runs of at least MIN_ROWS rows of two or more cells that make a table (`_Table.add`)."""
    tables: list[list[list[_Cell]]] = []
    table: _Table | None = None
    for row in rows:
        if len(row) >= 2 and table is not None and table.add(row):
            continue
        if table is not None and len(table.rows) >= MIN_ROWS:
            tables.append(table.rows)
        table = _Table(row) if len(row) >= 2 else None
    if table is not None and len(table.rows) >= MIN_ROWS:
        tables.append(table.rows)
    return tables


def _has_header(table: list[list[_Cell]]) -> bool:
    """Whether the table's first row names its columns (see the module's docstring)."""
    head, body = table[0], table[1:]
    head_fonts, body_fonts = {c.font for c in head}, {c.font for r in body for c in r}
    if all(head_fonts) and not head_fonts & body_fonts:
        return True
    if len(body) < 2 or any(ch.isdigit() for c in head for ch in c.text):
        return False
    return any(all(any(ch.isdigit() for ch in r[j].text) for r in body) for j in range(len(head)))


def rows_as_lines(lines: list[PageLine]) -> tuple[list[str], set[int]]:
    """The page's lines with each table row's lines replaced by one line (its record), and the indices of
    those row lines in the result. Lines outside tables are returned as they are."""
    replaced: dict[int, tuple[int, str]] = {}  # first line of a row (or a header's) -> (its last line, record)
    for table in _tables(_rows(_cells(lines))):
        header = [c.text for c in table[0]] if _has_header(table) else []
        if header:
            replaced[table[0][0].first] = (table[0][-1].last, "")  # a header is in every record, not a line
        for row in table[1:] if header else table:
            replaced[row[0].first] = (row[-1].last, row_record(header, [c.text for c in row]))
    out: list[str] = []
    row_lines: set[int] = set()
    i = 0
    while i < len(lines):
        if i in replaced:
            last, record = replaced[i]
            if record:
                row_lines.add(len(out))
                out.append(record)
            i = last + 1
        else:
            out.append(lines[i].text)
            i += 1
    return out, row_lines
