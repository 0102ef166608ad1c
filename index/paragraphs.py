"""Split plain text into paragraphs, keeping each paragraph's character span in the source.

Blank lines separate blocks. Inside a block, lines that end like sentences are paragraphs of their
own (news exports often put one paragraph per line); hard-wrapped prose is joined back together.
A paragraph longer than MAX_PARAGRAPH_CHARS (a file with no blank lines, one enormous line) is cut after
the last sentence end that fits, so every later step works on bounded pieces.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from index.types import Paragraph

# ~10 pages of prose: far above real paragraphs (the bundled ones stay under 2,000 characters), low
# enough that sentence splitting and chunking never see a whole big file as one piece.
MAX_PARAGRAPH_CHARS = 20_000
_ENDS_SENTENCE = re.compile(r"""[.!?:;…"”'’»)\]]\s*$""")
_SENTENCE_END = re.compile(r"""[.!?…]["”'’»)\]]*\s""")


def _hard_wrapped(lines: list[str]) -> bool:
    """True when a block's lines are one paragraph broken at a fixed width."""
    if len(lines) < 2:
        return False
    body = lines[:-1]
    open_ended = sum(1 for line in body if not _ENDS_SENTENCE.search(line))
    return (open_ended >= len(body) / 2 and max(len(line) for line in body) <= 120
            and len(lines[-1]) <= MAX_PARAGRAPH_CHARS)


def _cut(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """(start, end) pieces of text[start:end], each at most MAX_PARAGRAPH_CHARS, cut after a sentence end
    when there is one in the second half of the window, else at a space, else anywhere."""
    while end - start > MAX_PARAGRAPH_CHARS:
        window = text[start:start + MAX_PARAGRAPH_CHARS]
        ends = [m.end() for m in _SENTENCE_END.finditer(window, MAX_PARAGRAPH_CHARS // 2)]
        cut = ends[-1] if ends else window.rfind(" ", MAX_PARAGRAPH_CHARS // 2) + 1 or MAX_PARAGRAPH_CHARS
        yield start, start + len(window[:cut].rstrip())
        start += cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        yield start, end


def _groups(text: str, lines: list[tuple[int, int]]) -> Iterator[list[tuple[int, int]]]:
    """Hard-wrapped lines in groups that join to at most MAX_PARAGRAPH_CHARS, each ending at a sentence end
    when it can."""
    group: list[tuple[int, int]] = []
    size = last_end = 0
    for line in lines:
        length = line[1] - line[0] + 1
        if group and size + length > MAX_PARAGRAPH_CHARS:
            keep = last_end or len(group)
            yield group[:keep]
            group = group[keep:]  # none of these ends a sentence
            size, last_end = sum(e - s + 1 for s, e in group), 0
        group.append(line)
        size += length
        if _ENDS_SENTENCE.search(text[line[0]:line[1]]):
            last_end = len(group)
    if group:
        yield group


def _blocks(text: str) -> Iterator[list[tuple[int, int]]]:
    """(start, end) of the lines of each run of non-blank lines. A plain loop over lines: a regex for
    "a line with a non-space" retried at every offset of a long run of spaces, quadratically."""
    block: list[tuple[int, int]] = []
    start = 0
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        if text[start:end].strip():
            block.append((start, end))
        elif block:
            yield block
            block = []
        start = end + 1
    if block:
        yield block


def split_paragraphs(text: str, page: int | None = None, first_number: int = 1) -> list[Paragraph]:
    """Paragraphs of `text`, numbered from `first_number`, each with its span in `text`."""
    paragraphs: list[Paragraph] = []
    number = first_number
    for lines in _blocks(text):
        if _hard_wrapped([text[s:e] for s, e in lines]):
            for group in _groups(text, lines):
                start, end = group[0][0], group[-1][1]
                joined = " ".join(text[s:e].strip() for s, e in group)
                paragraphs.append(Paragraph(number, start, end, joined, page))
                number += 1
            continue
        for line_start, line_end in lines:
            for start, end in _cut(text, line_start, line_end):
                raw = text[start:end]
                lead = len(raw) - len(raw.lstrip())
                paragraphs.append(Paragraph(number, start + lead, end - (len(raw) - len(raw.rstrip())),
                                            raw.strip(), page))
                number += 1
    return paragraphs
