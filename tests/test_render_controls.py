"""Terminal front ends neutralise control characters in document strings (defence in depth).

Indexes built before load-time cleaning may still hold `ESC [2J` or an OSC title sequence in a quote,
and a file name can hold them too: `citebot ask`, `citebot sources` and `citebot chat` must not pass
them to the terminal. (Load-time cleaning itself: tests/index/test_control_chars.py.)
"""

from __future__ import annotations

import io

from rich.console import Console

from bot.answer import Answer, Citation
from bot.document_list import render_document_list
from bot.engine import DocumentInfo
from bot.render import to_text
from bot.repl.render import render_answer, render_documents, render_passage
from index.store import FileEntry, Manifest

INJECTIONS = ("\x1b[2J", "\x1b]0;", "\x07", "\x9b", "\u202e")
NAME = "evil\x1b]0;owned\x07\x1b[2J.txt"


def _answer() -> Answer:
    quote = "The vault key is kept \x1b[2J\x1b[31min the red box\x1b[0m near \u202ethe door\x1b]0;owned\x07."
    cited = Citation(1, NAME, "en", quote, "paragraph 2", 0.9, also_in=["other\x9b2J.txt"],
                     passage="Before. " + quote + " After.")
    return Answer("Where is the key?", quote + " [1]", True, "en", [cited])


def _assert_neutral(output: str) -> None:
    for sequence in INJECTIONS:
        assert sequence not in output, f"{sequence!r} reached the terminal: {output!r}"


def test_plain_text_answer_has_no_injected_sequences() -> None:
    output = to_text(_answer())
    _assert_neutral(output)
    assert "in the red box near the door." in output and "evil.txt" in output


def test_sources_listing_has_no_injected_sequences() -> None:
    entry = FileEntry("0" * 64, "k", "en", 1, 1, 10, 0.0)
    manifest = Manifest("model\x1b[2J", "chunking", {NAME: entry})
    _assert_neutral(render_document_list(manifest, "embedded Chroma at /x", as_json=False))


def test_rich_output_on_a_terminal_has_no_injected_sequences() -> None:
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, color_system="truecolor", width=100)
    answer = _answer()
    console.print(render_answer(answer, plain=False))
    console.print(render_passage(answer.citations[0], plain=False))
    console.print(render_documents([DocumentInfo(NAME, "en", 1, 10, 0.0)], "embedded Chroma at /x", plain=False))
    output = stream.getvalue()
    assert "\x1b[" in output  # rich's own styling is still there
    _assert_neutral(output)
    assert "in the red box near the door." in output


def test_sources_columns_line_up_for_wide_and_combining_characters() -> None:
    """Padding by len() put a row with an emoji (two cells) or a decomposed accent (one cell, two code points)
    out of line in `citebot sources` (sweep of 2026-12-03); it pads by terminal cells."""
    import unicodedata

    from rich.cells import cell_len

    entry = FileEntry("0" * 64, "k", "en", 1, 1, 10, 0.0)
    names = ["plain.txt", "party 🎉.md", unicodedata.normalize("NFD", "café.txt"), "日本語.txt"]
    listing = render_document_list(Manifest("model", "chunking", dict.fromkeys(names, entry)), "x")
    rows = listing.splitlines()[:len(names) + 1]
    columns = {cell_len(row.split("  en  ")[0] if "  en  " in row else row.split("  lang  ")[0]) for row in rows}
    assert len(columns) == 1, rows
