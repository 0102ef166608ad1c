"""Structure-aware loading of Markdown, HTML, CSV and .docx: blocks of text with the section they sit in.

Headings become the `section` of the paragraphs under them, and citations show it (`guide.md (en),
"Plot fees"`). In Markdown the section is led by the parent heading where the heading alone does not say
enough ("1.4.0 - 2026-03-02 › Fixed": a changelog has a "Fixed" under every version), and a heading is also text to find
and quote when nothing else would hold its words: when no text of its own follows it before the next
heading (a version over its "### Added"), or when it holds a fact (a version, a date: `holds_fact`).
A table row becomes one record that names its columns ("Plot: A; Fee: 40 EUR"), so a quoted row still
says what its cells mean; list items stay one paragraph each; a code block is one paragraph that keeps
its lines (never joined into prose, quoted line by line as written). Markdown goes through markdown-it-py
(CommonMark plus tables), HTML through selectolax, .docx through python-docx, CSV through the csv module
with its first row as the header.
The document text of these formats is the blocks joined by blank lines, so spans are exact in it. A
Markdown paragraph also keeps its raw lines (`Paragraph.source`): its sentences are quoted as the file
writes them, markup and all (index/source_quote.py).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
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
    code: bool = False  # a code block: its line breaks and indentation are kept (`code_text`)


_NEWLINES = re.compile(r"\r\n?|\n")  # how markdown-it splits lines, so its line numbers index the same list
_SEPARATOR = "\n\n"
# The raw text kept for a paragraph's quotes: its text is cut at MAX_PARAGRAPH_CHARS, and markup rarely
# triples a text (link targets are the long part), so what lies beyond this never holds a quoted sentence.
MAX_SOURCE_CHARS = 4 * MAX_PARAGRAPH_CHARS
_MAX_CSV_ROWS_CELLS = 64  # columns shown per row record; wider sheets are cut, not refused
# A Markdown section names at most this many headings, innermost last: a heading and its parent tell apart
# the "Fixed" of each version of a changelog; the whole outline would repeat in every citation.
SECTION_PATH_HEADINGS = 2
# ... and holds at most this many characters (a citation's location is one line): a longer path is given as its
# innermost heading alone.
MAX_SECTION_CHARS = 100
PATH_SEPARATOR = " › "
# A heading's leading section number ("4. ", "4.2 "): a place in the outline, not a fact.
_SECTION_NUMBER = re.compile(r"\d{1,3}(?:\.\d{1,3})*\.?\s+(?=\S)")


def holds_fact(heading: str) -> bool:
    """Whether a heading holds a fact its text rarely repeats: a digit (a version, a date, a year) outside a
    leading section number ("1.4.0 — 2026-03-02", "[1.3.0] - 2025-04-03", "Release 2.0"; not "4.2 Carry-over")."""
    number = _SECTION_NUMBER.match(heading)
    return any(ch.isdigit() for ch in heading[number.end() if number else 0:])


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


def code_text(text: str) -> str:
    """A code block's text as its paragraph keeps it: its lines with their indentation, trailing spaces and
    blank lines at either end dropped, at most MAX_PARAGRAPH_CHARS (cut at a line end when one fits). The
    line breaks are the only ones a paragraph's text holds (index/chunk.py quotes such a paragraph by
    lines, not by sentences)."""
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    code = "\n".join(lines)
    if len(code) <= MAX_PARAGRAPH_CHARS:
        return code
    cut = code.rfind("\n", 0, MAX_PARAGRAPH_CHARS + 1)
    return code[:cut if cut > 0 else MAX_PARAGRAPH_CHARS].rstrip()


def to_paragraphs(blocks: Iterable[Block]) -> tuple[str, list[Paragraph]]:
    """The document text (blocks joined by blank lines) and one paragraph per non-empty block, numbered in
    order (or by its `row`, so a CSV row is cited by its row in the file). White space is collapsed, but in
    a code block (`code_text`)."""
    parts: list[str] = []
    paragraphs: list[Paragraph] = []
    pos = 0
    for block in blocks:
        text = code_text(block.text) if block.code else " ".join(block.text.split())[:MAX_PARAGRAPH_CHARS]
        if not text:
            continue
        source = block.source[:MAX_SOURCE_CHARS]
        source = source if " ".join(source.split()) != " ".join(text.split()) else ""
        paragraphs.append(Paragraph(block.row or len(paragraphs) + 1, pos, pos + len(text), text,
                                    section=block.section, source=source))
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


def section_path(headings: list[str], repeated: frozenset[str] = frozenset()) -> str:
    """The section named by the open headings, outermost first ("" for none): the innermost heading, led by
    its parent where the heading alone does not say enough, that is, where its text heads another section of
    the file too ("Fixed" under each version) or its parent holds a fact (`holds_fact`: "1.4.0 › Fixed"), and
    the path fits MAX_SECTION_CHARS (SECTION_PATH_HEADINGS: never more than the two)."""
    if not headings:
        return ""
    if len(headings) >= SECTION_PATH_HEADINGS and (headings[-1] in repeated or holds_fact(headings[-2])):
        path = PATH_SEPARATOR.join(headings[-SECTION_PATH_HEADINGS:])
        if len(path) <= MAX_SECTION_CHARS:
            return path
    return headings[-1]


class _Outline:
    """The Markdown headings open above the current block, and the one whose words are not indexed yet.

    The document's title (its first heading, when no other heading is at its level or above) names the
    whole file: it is left out of the paths below it, and a title with no text of its own (a README's
    "# Larkspur" over "## Installation") is not a paragraph."""

    def __init__(self, title: int | None, repeated: frozenset[str]):
        self.title = title  # the token index of the title's heading_open, if the document has one
        self.repeated = repeated  # heading texts that head more than one section of the file
        self.open: list[tuple[int, str, bool]] = []  # (level, text, is the title), outermost first
        self.waiting: Block | None = None  # the last heading, until text of its own follows it

    def section(self) -> str:
        """The current section (`section_path`); the title alone when no heading below it is open."""
        inner = [text for _, text, title in self.open if text and not title]
        return section_path(inner or [text for _, text, _ in self.open if text], self.repeated)

    def enter(self, index: int, level: int, text: str, source: str) -> list[Block]:
        """Open a heading; the heading blocks to index now, in order: the one before it when no text of its
        own followed it, and this one when it holds a digit (else it waits for the next heading)."""
        out = self.close()
        while self.open and self.open[-1][0] >= level:
            self.open.pop()
        block = Block(text, self.section(), source)
        self.open.append((level, text, index == self.title))
        if holds_fact(text):
            out.append(block)
        elif index != self.title:
            self.waiting = block
        return out

    def text_follows(self) -> None:
        """A block of the current heading's own text: the heading's words are read with it, in its section."""
        self.waiting = None

    def close(self) -> list[Block]:
        """The waiting heading, indexed: nothing of its own followed it (the next heading, or the end)."""
        out = [self.waiting] if self.waiting is not None else []
        self.waiting = None
        return out


def _outline(tokens: list) -> _Outline:
    """An empty outline of a parsed document: which heading is its title (its first, when no other is at its
    level or above) and which heading texts recur."""
    heads = [(i, int(t.tag[1:])) for i, t in enumerate(tokens) if t.type == "heading_open"]
    title = heads[0][0] if heads and all(level > heads[0][1] for _, level in heads[1:]) else None
    seen = Counter(_inline_text(tokens[i + 1]).strip() for i, _ in heads)
    return _Outline(title, frozenset(text for text, n in seen.items() if n > 1))


def _code_block(token: object, lines: list[str], section: str) -> Block:
    """A fenced or indented code block: its content, lines kept. The content is the file's text but for the
    indentation markdown-it removes, unless the block sits in a blockquote: then the raw lines are kept too,
    so its quote is the file's text ("> " marks and all, index/source_quote.py)."""
    content = getattr(token, "content", "")
    first, last = getattr(token, "map", None) or (0, 0)
    raw = "\n".join(lines[first:last])
    verbatim = " ".join(content.split()) in " ".join(raw.split())
    return Block(content, section, "" if verbatim else raw, code=True)


def markdown_blocks(text: str) -> list[Block]:
    """Paragraphs, list items, table rows and code of a Markdown document, each with its heading path; the
    headings that would leave words unindexed (`_Outline`); the fields of a YAML front matter first."""
    from markdown_it import MarkdownIt

    lines = _NEWLINES.split(text)
    blocks, skipped = _front_matter(lines)
    if skipped:  # blank the front matter, keeping the line count so the tokens' line maps index `lines`
        text = "\n" * skipped + "\n".join(lines[skipped:])
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    outline = _outline(tokens)
    section = ""
    header: list[str] = []
    row: list[str] = []
    in_head = False
    for i, token in enumerate(tokens):
        kind = token.type
        count = len(blocks)
        if kind == "heading_open":
            first, last = token.map or (0, 0)
            blocks += outline.enter(i, int(token.tag[1:]), _inline_text(tokens[i + 1]).strip(),
                                    "\n".join(lines[first:last]))
            section = outline.section()
            continue
        if kind == "thead_open":
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
            blocks.append(_code_block(token, lines, section))
        if len(blocks) > count:
            outline.text_follows()
    return blocks + outline.close()


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
        elif node.tag == "pre":
            blocks.append(Block(node.text(separator=""), section, code=True))
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
