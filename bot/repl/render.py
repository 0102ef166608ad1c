"""What `citebot chat` prints, as rich renderables: answers with numbered sources, passages, documents.

Document text always goes in as `Text` objects, never as markup, so a "[b]" in a file stays a "[b]";
and it is cleaned of terminal control first (index/sanitize.py: rich passes ESC through), because an
index built before the loader cleaned documents may still hold escape sequences.
On a terminal the output is styled and wrapped; in plain mode (pipes) it has no ANSI codes and no
wrapping, so scripts read one line per source, quote and passage.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import IO

from rich import box
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from bot.answer import Answer, Citation
from bot.engine import DocumentInfo
from bot.render import clean_line, clean_text

MARKER_STYLE = "bold cyan"
FILE_STYLE = "bold"
SCORE_STYLE = "dim"
QUOTE_STYLE = "italic"
NOT_FOUND_STYLE = "italic yellow"
NOTE_STYLE = "yellow"
ERROR_STYLE = "bold red"
HIGHLIGHT_STYLE = "bold underline"

_MARKER = re.compile(r"\[\d+\]")


def make_console(stream: IO[str], plain: bool) -> Console:
    """A console that styles for a terminal, or writes bare unwrapped text for pipes and files."""
    if plain:
        return Console(file=stream, color_system=None, force_terminal=False, soft_wrap=True,
                       highlight=False, emoji=False, width=200)
    return Console(file=stream, highlight=False, emoji=False)


def _indented(text: Text, plain: bool) -> RenderableType:
    """Four spaces in; on a terminal wrapped lines keep the indent, in plain mode lines never wrap."""
    if plain:
        return Text("    ") + text
    return Padding(text, (0, 0, 0, 4), expand=False)


def answer_text(answer: Answer) -> Text:
    """The answer with its [n] markers picked out; a "not found" reply in its own style."""
    if not answer.answered:
        return Text(clean_text(answer.text), style=NOT_FOUND_STYLE)
    text = Text(clean_text(answer.text))
    text.highlight_regex(_MARKER, MARKER_STYLE)
    return text


def _where(c: Citation) -> Text:
    """'[1] file.txt (en), paragraph 9'."""
    return Text.assemble((f"[{c.n}] ", MARKER_STYLE), (clean_line(c.file), FILE_STYLE),
                         clean_line(f" ({c.language}), {c.location}"))


def source_heading(c: Citation) -> Text:
    """'[1] file.txt (en), paragraph 9  score 0.83', the score dimmed."""
    return _where(c) + Text(f"  score {c.score:.2f}", style=SCORE_STYLE)


def render_source(c: Citation, plain: bool) -> Group:
    """One numbered source: heading, the other files that say the same, then the quote."""
    parts: list[RenderableType] = [source_heading(c)]
    if c.also_in:
        parts.append(_indented(Text(clean_line(f"also in {', '.join(c.also_in)}"), style=SCORE_STYLE), plain))
    parts.append(_indented(Text(f'"{clean_text(c.quote)}"', style=QUOTE_STYLE), plain))
    return Group(*parts)


def render_sources_of(answer: Answer, plain: bool) -> Group:
    """Just the numbered sources of an answer (after its text was streamed)."""
    return Group(*(render_source(c, plain) for c in answer.citations))


def render_answer(answer: Answer, plain: bool) -> Group:
    """The answer, a blank line, then its numbered sources."""
    if not answer.answered or not answer.citations:
        return Group(answer_text(answer))
    return Group(answer_text(answer), Text(""), render_sources_of(answer, plain))


def render_passage(c: Citation, plain: bool) -> Group:
    """The whole retrieved chunk behind citation n, with the quoted sentence(s) highlighted."""
    quote = clean_text(c.quote)
    passage = Text(clean_text(c.passage or c.quote))
    start = passage.plain.find(quote) if quote else -1
    if start >= 0:
        passage.stylize(HIGHLIGHT_STYLE, start, start + len(quote))
    return Group(_where(c), Text(""), passage)


def render_documents(documents: Sequence[DocumentInfo], location: str, plain: bool) -> Group:
    """The indexed documents with language and chunk counts, then a one-line total."""
    table = Table(box=None if plain else box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("file", style=FILE_STYLE)
    table.add_column("language")
    table.add_column("chunks", justify="right")
    table.add_column("tokens", justify="right", style=SCORE_STYLE)
    for s in documents:
        table.add_row(Text(clean_line(s.file)), Text(clean_line(s.language)), Text(str(s.chunks)),
                      Text(str(s.tokens)))
    chunks = sum(s.chunks for s in documents)
    total = Text(clean_line(f"{len(documents)} documents, {chunks} chunks in {location}"), style=SCORE_STYLE)
    return Group(table, Text(""), total)


def note(text: str) -> Text:
    """A short message from the REPL itself (not from the documents)."""
    return Text(text, style=NOTE_STYLE)


def error(text: str) -> Text:
    return Text(text, style=ERROR_STYLE)
