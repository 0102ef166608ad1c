"""Remove terminal control from untrusted text: escape sequences, control characters, bidi overrides.

Documents are untrusted, and citebot prints their sentences on terminals: a quoted `ESC [2J` would clear
the screen and an OSC sequence would set the window title (or write a hyperlink, or worse on some
terminals). The loader cleans every document once, so the stored text is clean and quotes (substrings
of it) stay verbatim; the terminal front ends clean again what older indexes may hold.

Sequences are removed whole, body included (a title text must not be left behind as stray words):
- CSI `ESC [ params intermediates final` and its 8-bit form U+009B;
- OSC, DCS, SOS, PM, APC (`ESC ] P X ^ _` and U+009D, U+0090, U+0098, U+009E, U+009F) up to BEL or ST;
  one left unterminated ends at the end of its line, so a stray `ESC ]` cannot swallow a document;
- any other `ESC intermediates final` (charset switches, save/restore cursor, reset).
Then the remaining C0 and C1 controls except newline and tab, and the bidirectional overrides and
isolates (U+202A-U+202E, U+2066-U+2069) that can make a line display as something else, are dropped.
Carriage returns, form feeds and vertical tabs become newlines.
"""

from __future__ import annotations

import re

_NEWLINES = str.maketrans({"\r": "\n", "\v": "\n", "\f": "\n"})
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"  # CSI
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?"  # string sequences
    r"|\x1b[ -/]*[0-~]?"  # every other escape sequence, or a lone ESC
)
_C1_INTRODUCER = re.compile(r"[\x90\x98\x9b\x9d\x9e\x9f]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """`text` without terminal escape sequences, control characters (but newline and tab) and bidi
    overrides; text that has none is returned unchanged."""
    if not _CONTROL.search(text):  # the usual case: one fast scan
        return text
    text = text.replace("\r\n", "\n").translate(_NEWLINES)
    return _CONTROL.sub("", _SEQUENCE.sub("", text))


def without_escape_sequences(text: str) -> str:
    """`text` with its terminal escape sequences removed whole, other characters untouched."""
    return _SEQUENCE.sub("", text) if "\x1b" in text or _C1_INTRODUCER.search(text) else text


def clean_line(text: str) -> str:
    """`clean_text` for one-line fields (file names, locations): newlines and tabs become spaces."""
    return clean_text(text).replace("\n", " ").replace("\t", " ")
