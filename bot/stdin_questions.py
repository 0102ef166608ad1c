"""Questions read from stdin (`citebot ask --json -`), one a line, each line decoded on its own.

A questions file may mix encodings (one Latin-1 line pasted into a UTF-8 file): decoding the stream with
errors="replace" turned such a line into a question full of U+FFFD that was then answered with an unrelated
quote. A line that does not decode comes as its bytes, and the caller answers it with an error object.
"""

from __future__ import annotations

import codecs
import re
import sys
from collections.abc import Iterator

_LINE_ENDS = re.compile(rb"\r\n|\r|\n")


def stdin_encoding() -> str:
    """The encoding stdin is read in: the terminal's (UTF-8 almost everywhere)."""
    name = getattr(sys.stdin, "encoding", None) or "utf-8"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"


def stdin_lines() -> Iterator[str | bytes]:
    """Stdin's lines without their ends (\\n, \\r\\n or \\r, as text mode splits them), each decoded on its own:
    a line that is not valid in stdin's encoding comes as its bytes, so one Latin-1 line in a UTF-8 file gets an
    error instead of a question full of U+FFFD answered with an unrelated quote."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is None:  # a text stream without bytes (tests, embedding)
        yield from (line.rstrip("\n") for line in sys.stdin)
        return
    encoding = stdin_encoding()
    for chunk in buffer:
        parts = _LINE_ENDS.split(chunk)
        if parts[-1] == b"":  # the line's end, not an empty line after it
            parts.pop()
        for raw in parts:
            try:
                yield raw.decode(encoding)
            except UnicodeDecodeError:
                yield raw


def undecodable_line_error() -> str:
    encoding = stdin_encoding()
    shown = "UTF-8" if encoding == "utf-8" else encoding
    return f"This line is not valid {shown} text, so it was not asked; save the questions as {shown}."
