"""Read a big plain-text file as a stream of text windows, so loading it takes memory bounded by a window,
not by the file (issue 13: a 30 MB file used to be held whole, ~5 MB of Python objects per MB).

A file of at least `STREAM_BYTES` is read twice from disk rather than held: a probe pass hashes it and
picks its encoding (a byte-order mark, else strict UTF-8 checked over the whole file, else the detector
on its first megabyte), then it is decoded window by window each time it is chunked. Windows are cut after a blank
line, where `split_paragraphs` would start a new paragraph anyway, so paragraphs, their numbers, spans
and sentences are those of the whole-file load. Each window is cleaned of terminal control on its own (a
cut after a newline never splits an escape sequence or a CRLF pair, so that equals cleaning the whole
text) and its page furniture is stripped within the window. Only a file with no blank line in
`MAX_WINDOW_CHARS` is cut elsewhere (after a newline, else a space): its paragraphs there may differ
from a whole-file load's.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from index.boilerplate import strip_furniture
from index.decode import UnreadableFile, bom_encoding, decode_bytes, looks_binary
from index.paragraphs import split_paragraphs
from index.sanitize import clean_text
from index.types import Paragraph

# Plain-text files this big are streamed. Below it the whole-file load costs at most ~10 MB (text,
# paragraphs and their copies), less than the tokenizer models every run holds, and reads the file once.
STREAM_BYTES = 2_000_000
# Characters of text a window holds before it is cut at the next blank line: ~1-4 MB of Python strings,
# and 10 windows of SentenceSplitter blocks (index/chunk.py BLOCK_CHARS), so chunking is unchanged in all
# but the last block of each window.
WINDOW_CHARS = 1_000_000
# A window with no blank line is cut (after a newline, else a space) once it holds this many characters.
MAX_WINDOW_CHARS = 4 * WINDOW_CHARS
_READ_BYTES = 1 << 20
_SAMPLE_BYTES = 1 << 20  # what the encoding detector reads of a file that is not UTF-8


@dataclass(frozen=True)
class TextWindow:
    """A stretch of a document's cleaned text and its article paragraphs (spans relative to `source`,
    numbers counted over the whole document); `offset` is where `source` starts in the whole text."""

    source: str
    offset: int
    paragraphs: list[Paragraph]


@dataclass(frozen=True)
class Probe:
    """What one read of a big file tells: its content hash and the encoding to decode it with."""

    sha256: str
    encoding: str
    strict: bool  # the whole file decodes without error in `encoding`


def probe(path: Path) -> Probe:
    """Hash `path` and choose its encoding in one pass of bounded memory; UnreadableFile for binary data."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        head = f.read(_SAMPLE_BYTES)
        digest.update(head)
        encoding = bom_encoding(head) or "utf-8"
        decoder = codecs.getincrementaldecoder(encoding)()
        valid = True
        try:
            opening = decoder.decode(head)
        except UnicodeDecodeError:
            valid, opening = False, ""
        if valid and looks_binary(opening):
            raise UnreadableFile("binary file")
        while block := f.read(_READ_BYTES):
            digest.update(block)
            if valid:
                try:
                    text = decoder.decode(block)
                except UnicodeDecodeError:
                    valid = False
                    continue
                if "\x00" in text:  # as the whole-file load rules: text has no NUL characters
                    raise UnreadableFile("binary file")
        if valid:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:  # the file ends inside a character
                valid = False
    if valid:
        return Probe(digest.hexdigest(), encoding, True)
    sample = head[:head.rfind(b"\n") + 1] or head  # whole lines, so no character is cut in two
    text, encoding = decode_bytes(sample)
    if looks_binary(text):
        raise UnreadableFile("binary file")
    return Probe(digest.hexdigest(), encoding, False)


def _cut(buffer: str, at_end: bool) -> int | None:
    """Where to end the next window of `buffer`: after its last blank line once it holds WINDOW_CHARS, all
    of it at the end of the file, None to read on."""
    if at_end:
        return len(buffer)
    if len(buffer) < WINDOW_CHARS:
        return None
    blank = max(buffer.rfind("\n\n"), buffer.rfind("\n\r\n"))
    if blank >= 0:
        return blank + 1
    if len(buffer) < MAX_WINDOW_CHARS:
        return None
    limit = MAX_WINDOW_CHARS
    return (buffer.rfind("\n", 0, limit) + 1) or (buffer.rfind(" ", 0, limit) + 1) or limit


def text_windows(path: Path, found: Probe) -> Iterator[TextWindow]:
    """The file's text, cleaned and split into paragraphs with page furniture removed, window by window."""
    decoder = codecs.getincrementaldecoder(found.encoding)(errors="strict" if found.strict else "replace")
    buffer, offset, number = "", 0, 1
    with path.open("rb") as f:
        while True:
            block = f.read(_READ_BYTES)
            buffer += decoder.decode(block, final=not block)
            while (cut := _cut(buffer, not block)) is not None and buffer:
                piece, buffer = clean_text(buffer[:cut]), buffer[cut:]
                paragraphs = split_paragraphs(piece, first_number=number)
                if paragraphs:
                    number = paragraphs[-1].number + 1
                yield TextWindow(piece, offset, strip_furniture(paragraphs, piece))
                offset += len(piece)
            if not block:
                return
