"""Split plain text into paragraphs, keeping each paragraph's character span in the source.

Blank lines separate blocks. Inside a block, lines that end like sentences are paragraphs of their
own (news exports often put one paragraph per line); hard-wrapped prose is joined back together.
"""

from __future__ import annotations

import re

from index.types import Paragraph

_BLOCK = re.compile(r"(?:[^\n]*\S[^\n]*(?:\n|$))+")
_LINE = re.compile(r"[^\n]*\S[^\n]*")
_ENDS_SENTENCE = re.compile(r"""[.!?:;…"”'’»)\]]\s*$""")


def _hard_wrapped(lines: list[str]) -> bool:
    """True when a block's lines are one paragraph broken at a fixed width."""
    if len(lines) < 2:
        return False
    body = lines[:-1]
    open_ended = sum(1 for line in body if not _ENDS_SENTENCE.search(line))
    return open_ended >= len(body) / 2 and max(len(line) for line in body) <= 120


def split_paragraphs(text: str, page: int | None = None, first_number: int = 1) -> list[Paragraph]:
    """Paragraphs of `text`, numbered from `first_number`, each with its span in `text`."""
    paragraphs: list[Paragraph] = []
    number = first_number
    for block in _BLOCK.finditer(text):
        lines = [(m.start() + block.start(), m.end() + block.start()) for m in _LINE.finditer(block.group())]
        if not lines:
            continue
        if _hard_wrapped([text[s:e] for s, e in lines]):
            start, end = lines[0][0], lines[-1][1]
            joined = " ".join(text[s:e].strip() for s, e in lines)
            paragraphs.append(Paragraph(number, start, end, joined, page))
            number += 1
            continue
        for start, end in lines:
            raw = text[start:end]
            lead = len(raw) - len(raw.lstrip())
            paragraphs.append(Paragraph(number, start + lead, end - (len(raw) - len(raw.rstrip())),
                                        raw.strip(), page))
            number += 1
    return paragraphs
