"""Terminal escape and control characters in documents are removed once, when the file is loaded.

A sentence holding `ESC [2J` (clear screen) or an OSC title sequence must not reach a terminal when
citebot quotes it; since quotes are substrings of the stored text, cleaning at load time is enough for
new indexes (the front ends neutralise what older indexes hold: tests/test_render_controls.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from docmaker import EN_TEXT, write
from index_helpers import LANGUAGES

from index.load import load_document
from index.sanitize import clean_text

CLEAN = "The vault key is kept in the red box near the door."
INJECTED = [
    "The vault key is kept \x1b[2J\x1b[31min the red box\x1b[0m near the door.",  # CSI: clear, colour
    "The vault key is kept \x1b]0;owned title\x07in the red box near the door.",  # OSC title, BEL
    "The vault key is kept \x1b]8;;http://evil.example/\x1b\\in the red box\x1b]8;;\x1b\\ near the door.",  # link
    "The vault key is kept \x1bPq#0;2;0;0;0\x1b\\in the red box near the door.",  # DCS (sixel)
    "The vault key is kept \x9b2J\x9d0;owned\x9cin the red box near the door.",  # 8-bit CSI and OSC
    "The vault key is kept \x1b7\x1b(0in the red box\x1b8 near the door.",  # two- and three-byte ESC
    "The vault key\x08\x08\x08 is kept in the red\x7f box near the door.",  # backspace, DEL
    "The vault key is kept in the \u202ered box\u202c near the \u2066door\u2069.",  # bidi override, isolate
]


@pytest.mark.parametrize("dirty", INJECTED)
def test_escape_sequences_and_controls_are_removed_whole(dirty: str) -> None:
    assert clean_text(dirty) == CLEAN


def test_ordinary_text_is_left_exactly_as_it_is() -> None:
    text = "Año 1911:\tseventeen gales — «más que nunca».\nZWJ family 👩\u200d👩\u200d👧 and Arabic العربية.\n"
    assert clean_text(text) == text


def test_line_ends_become_newlines() -> None:
    assert clean_text("one\r\ntwo\rthree\fpage\vtab\n") == "one\ntwo\nthree\npage\ntab\n"


def test_an_unterminated_sequence_at_the_end_is_dropped() -> None:
    assert clean_text("Kept.\x1b]0;runs to the end") == "Kept."
    assert clean_text("Kept.\x1b[31") == "Kept."


def test_a_loaded_text_file_holds_no_control_characters_and_spans_still_match(tmp_path: Path) -> None:
    # enough ordinary prose that the escapes stay under the binary-file threshold (1 control in 100)
    prose = "\n\n".join(f"The logbook entry for day {n} lists {n + 3} ships and {2 * n} gulls." for n in range(40))
    body = EN_TEXT + "\n" + prose + "\n\n" + "\n\n".join(INJECTED) + "\n"
    doc = load_document(write(tmp_path / "note.txt", body.replace("\n", "\r\n")), tmp_path, LANGUAGES)
    assert all(ord(ch) >= 32 or ch in "\n\t" for ch in doc.text)
    assert not any(0x7F <= ord(ch) <= 0x9F for ch in doc.text)
    assert "owned" not in doc.text and "evil.example" not in doc.text
    assert [p.text for p in doc.paragraphs][-len(INJECTED):] == [CLEAN] * len(INJECTED)
    for p in doc.paragraphs:  # the stored text is the cleaned text: quotes stay exact substrings
        assert doc.text[p.start:p.end] == p.text


def test_html_character_references_cannot_smuggle_escapes(tmp_path: Path) -> None:
    html = ("<html><body><article><p>The vault key is kept &#27;[2Jin the red box&#27;[0m near the door."
            "&#27;]0;owned&#7;</p></article></body></html>")
    doc = load_document(write(tmp_path / "page.html", html), tmp_path, LANGUAGES)
    assert [p.text for p in doc.paragraphs] == [CLEAN]


def test_a_coloured_log_is_indexed_not_skipped_as_binary(tmp_path: Path) -> None:
    """Terminal captures and coloured logs carry an escape sequence or two per line: counted as control
    characters they made every such file "binary" and it was skipped (the sweep of 2026-12-03). Escape
    sequences are not evidence of a binary file; the loader removes them and indexes the text."""
    from index.decode import looks_binary

    lines = [f"\x1b[32mOK\x1b[0m Step {n}: the deploy of service number {n} finished in {n + 4} seconds."
             for n in range(40)]
    doc = load_document(write(tmp_path / "deploy-log.txt", "\n".join(lines) + "\n"), tmp_path, LANGUAGES)
    assert doc.paragraphs and doc.paragraphs[0].text.startswith("OK Step 0: the deploy")
    assert "\x1b" not in doc.text and "[32m" not in doc.text
    assert looks_binary("\x01\x02\x03 binary \x04\x05\x06 data \x07\x0e\x0f")  # raw controls still are
