"""Structure-aware loading of Markdown, HTML, CSV and .docx: blocks of text with the section they sit in.

Headings are not text to quote: each becomes the `section` of the paragraphs under it, and citations
show it (`guide.md (en), "Plot fees"`). A table row becomes one record that names its columns
("Plot: A; Fee: 40 EUR"), so a quoted row still says what its cells mean; list items stay one paragraph
each. Markdown goes through markdown-it-py (CommonMark plus tables), HTML through selectolax, .docx
through python-docx, CSV through the csv module with its first row as the header.
The document text of these formats is the blocks joined by blank lines, so spans are exact in it. A
Markdown paragraph also keeps its raw lines (`Paragraph.source`): its sentences are quoted as the file
writes them, markup and all (index/source_quote.py).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from index.paragraphs import MAX_PARAGRAPH_CHARS
from index.types import Paragraph


class Block(NamedTuple):
    """One block of a structured document: its text, the heading it sits under, and for Markdown its raw lines."""

    text: str
    section: str
    source: str = ""  # the block's raw lines when `text` drops their markup (Markdown paragraphs)
    row: int = 0  # a CSV record's row in the file (the header is row 1), its paragraph number; else 0


_NEWLINES = re.compile(r"\r\n?|\n")  # how markdown-it splits lines, so its line numbers index the same list
_SEPARATOR = "\n\n"
# The raw text kept for a paragraph's quotes: its text is cut at MAX_PARAGRAPH_CHARS, and markup rarely
# triples a text (link targets are the long part), so what lies beyond this never holds a quoted sentence.
MAX_SOURCE_CHARS = 4 * MAX_PARAGRAPH_CHARS
_MAX_CSV_ROWS_CELLS = 64  # columns shown per row record; wider sheets are cut, not refused


def row_record(header: list[str], cells: list[str]) -> str:
    """'Header1: cell1; Header2: cell2' with empty cells left out (a column without a name is shown bare)."""
    parts = []
    for i, cell in enumerate(cells[:_MAX_CSV_ROWS_CELLS]):
        cell = " ".join(cell.split())
        if not cell:
            continue
        name = " ".join(header[i].split()) if i < len(header) else ""
        parts.append(f"{name}: {cell}" if name else cell)
    return "; ".join(parts)


def to_paragraphs(blocks: Iterable[Block]) -> tuple[str, list[Paragraph]]:
    """The document text (blocks joined by blank lines) and one paragraph per non-empty block, numbered in
    order (or by its `row`, so a CSV row is cited by its row in the file)."""
    parts: list[str] = []
    paragraphs: list[Paragraph] = []
    pos = 0
    for block in blocks:
        text, section, source, row = block
        text = " ".join(text.split())[:MAX_PARAGRAPH_CHARS]
        if not text:
            continue
        source = source[:MAX_SOURCE_CHARS]
        paragraphs.append(Paragraph(row or len(paragraphs) + 1, pos, pos + len(text), text, section=section,
                                    source=source if " ".join(source.split()) != text else ""))
        parts.append(text)
        pos += len(text) + len(_SEPARATOR)
    return _SEPARATOR.join(parts), paragraphs


def _inline_text(token: object) -> str:
    """Plain text of a markdown-it inline token: markup and link targets dropped, code kept."""
    out: list[str] = []
    for child in getattr(token, "children", None) or []:
        if child.type in {"text", "code_inline"}:
            out.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            out.append(" ")
        elif child.type == "image":
            out.append(child.content)  # the alt text
    return "".join(out)


# YAML front matter: "---" on the first line, "key: value" lines, "---" (or "...") closing it within the first
# FRONT_MATTER_LINES lines. CommonMark reads it as a rule and a setext heading, which the next heading replaced:
# "author: Lucía Ferrer" was never indexed.
FRONT_MATTER_LINES = 60
_FIELD = re.compile(r"([A-Za-z_][\w -]{0,40}):[ \t]+(\S.*)")


def _front_matter(lines: list[str]) -> tuple[list[Block], int]:
    """The front matter's "key: value" lines as one block ("title: X author: Y", quoted as the file writes the
    lines: one sentence, so "who wrote it?" finds the author beside the title), and how many lines it spans (0
    when the document has none). Nested or multi-line values are left out."""
    if not lines or lines[0].lstrip("\ufeff").rstrip() != "---":
        return [], 0
    for end in range(1, min(len(lines), FRONT_MATTER_LINES)):
        if lines[end].rstrip() in ("---", "..."):
            fields = [m.group(0) for m in map(_FIELD.fullmatch, (line.rstrip() for line in lines[1:end])) if m]
            return ([Block(" ".join(fields), "", "\n".join(lines[1:end]))] if fields else []), end + 1
    return [], 0


def markdown_blocks(text: str) -> list[Block]:
    """Paragraphs, list items, table rows and code of a Markdown document, each with its heading; the fields of a
    YAML front matter first."""
    from markdown_it import MarkdownIt

    lines = _NEWLINES.split(text)
    blocks, skipped = _front_matter(lines)
    if skipped:  # blank the front matter, keeping the line count so the tokens' line maps index `lines`
        text = "\n" * skipped + "\n".join(lines[skipped:])
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    section = ""
    header: list[str] = []
    row: list[str] = []
    in_head = False
    for i, token in enumerate(tokens):
        kind = token.type
        if kind == "heading_open":
            section = _inline_text(tokens[i + 1]).strip()
        elif kind == "thead_open":
            in_head, header = True, []
        elif kind == "thead_close":
            in_head = False
        elif kind == "tr_open":
            row = []
        elif kind in {"th_open", "td_open"}:
            (header if in_head else row).append(_inline_text(tokens[i + 1]))
        elif kind == "tr_close" and not in_head:
            blocks.append(Block(row_record(header, row), section))
        elif kind == "inline" and tokens[i - 1].type == "paragraph_open":
            first, last = tokens[i - 1].map or (0, 0)
            blocks.append(Block(_inline_text(token), section, "\n".join(lines[first:last])))
        elif kind in {"fence", "code_block"}:
            blocks.append(Block(token.content, section))
    return blocks


def html_blocks(html: str) -> list[Block]:
    """Article blocks of an HTML page: headings become sections, table rows records, the rest paragraphs;
    navigation, scripts and other furniture dropped."""
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
        return []
    selector = "h1,h2,h3,h4,h5,h6,p,li,blockquote,pre,dt,dd,tr"
    nodes = root.css(selector)
    if not nodes:
        return [Block(root.text(separator=" ", strip=True), "")]
    # node wrappers are new objects on every query: compare the DOM nodes by mem_id, not by `is`
    inner = {n.mem_id for node in nodes for n in node.css(selector) if n.mem_id != node.mem_id}
    blocks: list[Block] = []
    section = ""
    header: list[str] = []
    for node in nodes:
        if node.mem_id in inner:
            continue
        text = " ".join(node.text(separator="").split())
        if node.tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            section = text
        elif node.tag == "tr":
            cells = node.css("th,td")
            values = [" ".join(c.text(separator=" ").split()) for c in cells]
            if cells and all(c.tag == "th" for c in cells):
                header = values
            else:
                blocks.append(Block(row_record(header, values), section))
        else:
            blocks.append(Block(text, section))
    return blocks


def csv_blocks(text: str) -> list[Block]:
    """One record per data row, named by the header row; the dialect (comma, semicolon, tab) is sniffed. Each
    keeps its row number as a spreadsheet shows it (the header is row 1, the first data row row 2; blank rows
    count), which is also its line in the file unless a quoted cell holds a line break: citations say
    "row N" (index/chunk.py: location_label)."""
    sample = text[:20000]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = csv.reader(io.StringIO(text), dialect)
    header = next(rows, [])
    return [Block(row_record(header, row), "", row=number) for number, row in enumerate(rows, start=2)]


def docx_blocks(path: Path) -> list[Block]:
    """Paragraphs of a Word document in order, headings (Heading/Title styles) as sections, table rows
    as records."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph as DocxParagraph

    document = docx.Document(str(path))
    blocks: list[Block] = []
    section = ""
    for item in document.iter_inner_content():
        if isinstance(item, DocxParagraph):
            style = (item.style.name if item.style is not None else "") or ""
            if style.startswith("Heading") or style == "Title":
                section = " ".join(item.text.split())
            else:
                blocks.append(Block(item.text, section))
        elif isinstance(item, Table):
            rows = [[cell.text for cell in row.cells] for row in item.rows]
            if rows:
                blocks += [Block(row_record(rows[0], row), section) for row in rows[1:]]
    return blocks
