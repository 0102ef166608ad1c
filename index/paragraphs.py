"""Split plain text into paragraphs, keeping each paragraph's character span in the source.

Blank lines, and rule lines (a heading's underline of dashes, "* * *"), separate blocks. Inside a block
each line break is decided on its own (`_breaks`): a line that
does not end like a sentence runs on into the next when that one starts in lower case (or with a digit or
a comma) or when it is a wrapped line (at least WRAPPED_SHARE of the block's longest line); a short
open-ended line before a capital is a heading (a title, "Borrowing rules") and a paragraph of its own; a
list item ("- gloves", "2. ") starts a paragraph, but a numbered heading ("4. Sickness absence" before a
capital, "4.2 Carry-over") is a heading, not an item that runs on into the sentence below (`_numbered_heading`).
A line that ends a sentence ends its paragraph (news exports put one paragraph per line, PDF pages have no
blank lines), unless the block is hard-wrapped prose, whose lines are joined back together across sentence
ends.
A paragraph longer than MAX_PARAGRAPH_CHARS (a file with no blank lines, one enormous line) is cut after
the last sentence end that fits, so every later step works on bounded pieces.

In a plain-text file the headings become sections (`plain_sections`), as PDF headings do
(index/load_pdf.py), once the file has at least MIN_SECTIONS of them over text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import replace

from index.types import Paragraph

# ~10 pages of prose: far above real paragraphs (the bundled ones stay under 2,000 characters), low
# enough that sentence splitting and chunking never see a whole big file as one piece.
MAX_PARAGRAPH_CHARS = 20_000
_ENDS_SENTENCE = re.compile(r"""[.!?:;…"”'’»)\]]\s*$""")
_SENTENCE_END = re.compile(r"""[.!?…]["”'’»)\]]*\s""")
_ENDERS = """.!?:;…"”'’»)]"""  # the last characters _ENDS_SENTENCE accepts
# A list item starts a paragraph of its own: a bullet, "2." or "2)", "(b)" or "b)".
_LIST_ITEM = re.compile(r"(?:[-*+•·▪◦‣–—]|\(?\d{1,3}[.)]|\(?[a-z]\))\s")
_CONTINUES = ",;:)]}%&"  # a line starting with one of these carries on the sentence above it
# A section number opening a line: "4. ", "4.2 ", "4.2.1. " (group 1 is "4", "4.2", "4.2.1"). At most three digits
# a level, so a year ("2024 budget") is not one.
_SECTION_NUMBER = re.compile(r"(\d{1,3}(?:\.\d{1,3})*)\.?\s+(?=\S)")
_ITEM_NUMBER = re.compile(r"(\d{1,3})\.\s+(?=\S)")  # "4. ": a numbered list item's mark, or a section's
# An open-ended line at least this share of its block's longest line is a wrapped line: it runs on into the
# next. A paragraph cut by wrapping leaves lines near the wrap width; a heading or a title is much shorter.
WRAPPED_SHARE = 0.6
WRAP_CHARS = 160  # longer lines are not wrapped ones (a news paragraph on one line)
HEADING_WORDS = 16
HARD_WRAP_CHARS = 120  # a hard-wrapped block's lines are at most this long
_RULE_MARKS = "-=_*~#+"  # a line of one of these repeated is a rule (plain text's underlines and separators)
# A plain-text file is read as having sections when at least this many heading lines each head text of their
# own. A news export's headline over its story is one short open-ended line over prose, as a heading is;
# as the section of the whole story it would only put the headline into every citation (the bundled
# corpus has such files, and keeps its plain "paragraph N" citations).
MIN_SECTIONS = 2
# "Last updated: 15 March 2025", "Author: Ana": a label and its value, short and open-ended like a heading,
# but a line of text, not the name of what follows it.
_FIELD = re.compile(r"[^:]{1,40}:\s+\S")


def _ends(line: str) -> bool:
    """True when a stripped line ends like a sentence (as _ENDS_SENTENCE)."""
    return bool(line) and line[-1] in _ENDERS


def _hard_wrapped(lines: list[tuple[int, int]], ends: list[bool]) -> bool:
    """True when a block's lines are one paragraph broken at a fixed width: at least half of them are
    open-ended, none of them long."""
    if len(lines) < 2:
        return False
    open_ended = sum(1 for end in ends[:-1] if not end)
    return (open_ended >= (len(lines) - 1) / 2 and max(e - s for s, e in lines[:-1]) <= HARD_WRAP_CHARS
            and lines[-1][1] - lines[-1][0] <= MAX_PARAGRAPH_CHARS)


def _numbered_heading(texts: list[str], i: int) -> bool:
    """Whether line i, which looks like a numbered list item ("4. Sickness absence"), is a section's heading
    instead: the word after its number is capitalised, and the line above is not the list item numbered one
    less ("3. Apron" then "4. Mask" is a list; a heading follows the text of the section before it). The
    caller has checked that it is short and open-ended and that a capital (or its subsection) follows."""
    item = _ITEM_NUMBER.match(texts[i])
    if item is None or not texts[i][item.end()].isupper():
        return False
    above = _ITEM_NUMBER.match(texts[i - 1]) if i else None
    return above is None or int(above.group(1)) + 1 != int(item.group(1))


def _opens_subsection(line: str, nxt: str) -> bool:
    """Whether `nxt` opens a subsection of the section `line` opens ("4. Leave" then "4.1 Carry-over"; not
    "1. Water" then "1.5 litres a day")."""
    number, sub = _SECTION_NUMBER.match(line), _SECTION_NUMBER.match(nxt)
    return bool(number and sub and sub.group(1).startswith(number.group(1) + ".") and nxt[sub.end()].isupper())


def _breaks(text: str, lines: list[tuple[int, int]]) -> tuple[list[bool], list[bool]]:
    """For each line of a block: whether it runs on into the next line, and whether it is a heading.
    Constant work per line besides stripping it (a hostile file's 20,000-character line is looked at once)."""
    texts = [text[s:e].strip() for s, e in lines]
    n = len(texts)
    ends = [_ends(t) for t in texts]
    wrapped = _hard_wrapped(lines, ends)
    longest = max(len(t) for t in texts)
    short = WRAPPED_SHARE * longest

    def heading_like(i: int) -> bool:
        """A short open-ended line that does not start in lower case, before a capital (or last). Before
        the block's last line, only when that one ends a sentence: a short line and an open-ended one are
        two fragments (a photo's alt text and its caption, which index/boilerplate.py drops together).
        A list item is not one, unless it is a numbered heading (`_numbered_heading`); a numbered line
        before its own subsection ("4. Leave" over "4.1 Carry-over") is one too."""
        line = texts[i]
        if ends[i] or line[0].islower() or len(line) > WRAP_CHARS or (n > 1 and len(line) >= short):
            return False
        if len(line.split(None, HEADING_WORDS)) > HEADING_WORDS:
            return False
        if i + 1 < n and _opens_subsection(line, texts[i + 1]):
            return True
        if _LIST_ITEM.match(line) and not _numbered_heading(texts, i):
            return False
        return i + 1 == n or (texts[i + 1][0].isupper() and (i + 2 < n or ends[i + 1]))

    like = [heading_like(i) for i in range(n)]
    joins = [False] * n
    heads = [False] * n
    for i in range(n):
        heads[i] = like[i] and not (i and joins[i - 1])
        if i + 1 == n or heads[i]:
            continue  # a heading is a paragraph of its own
        nxt = texts[i + 1]
        if (max(lines[i][1] - lines[i][0], lines[i + 1][1] - lines[i + 1][0]) >= MAX_PARAGRAPH_CHARS
                or _LIST_ITEM.match(nxt)):
            continue  # an enormous line is cut on its own (_groups stays bounded); a list item starts anew
        if not ends[i] and (short <= len(texts[i]) <= WRAP_CHARS or nxt[0].islower() or nxt[0].isdigit()
                            or nxt[0] in _CONTINUES):
            joins[i] = True  # a wrapped line, or the next line carries on its sentence
        elif wrapped:
            joins[i] = not like[i + 1]  # hard-wrapped prose runs on across sentence ends, not into a heading
    return joins, heads


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


def _rule(line: str) -> bool:
    """A line of one mark repeated (a heading's underline, a section rule: "-----", "=====", "* * *")."""
    marks = line.replace(" ", "")
    return len(marks) >= 3 and marks[0] in _RULE_MARKS and marks == marks[0] * len(marks)


def _blocks(text: str) -> Iterator[list[tuple[int, int]]]:
    """(start, end) of the lines of each run of non-blank lines; a rule line separates blocks as a blank line
    does (it is layout, not text). A plain loop over lines: a regex for "a line with a non-space" retried at
    every offset of a long run of spaces, quadratically."""
    block: list[tuple[int, int]] = []
    start = 0
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        line = text[start:end].strip()
        if line and not _rule(line):
            block.append((start, end))
        elif block:
            yield block
            block = []
        start = end + 1
    if block:
        yield block


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of text[start:end] without its leading and trailing white space."""
    raw = text[start:end]
    return start + len(raw) - len(raw.lstrip()), end - (len(raw) - len(raw.rstrip()))


def paragraphs_with_headings(text: str, page: int | None = None,
                             first_number: int = 1) -> Iterator[tuple[Paragraph, bool]]:
    """Each paragraph of `text` (as split_paragraphs) with True when it is a heading line (index/load_pdf.py
    makes it the section of the paragraphs under it)."""
    number = first_number
    for lines in _blocks(text):
        joins, heads = _breaks(text, lines)
        i = 0
        while i < len(lines):
            last = i
            while joins[last]:
                last += 1
            if last > i:  # lines that run on: joined, in pieces of at most MAX_PARAGRAPH_CHARS
                for group in _groups(text, lines[i:last + 1]):
                    start, end = _trimmed(text, group[0][0], group[-1][1])
                    yield Paragraph(number, start, end, " ".join(text[s:e].strip() for s, e in group), page), False
                    number += 1
            else:
                for start, end in _cut(text, *lines[i]):
                    start, end = _trimmed(text, start, end)
                    yield Paragraph(number, start, end, text[start:end], page), heads[i]
                    number += 1
            i = last + 1


def split_paragraphs(text: str, page: int | None = None, first_number: int = 1) -> list[Paragraph]:
    """Paragraphs of `text`, numbered from `first_number`, each with its span in `text`."""
    return [paragraph for paragraph, _ in paragraphs_with_headings(text, page, first_number)]


def _section_heads(paragraphs: Sequence[Paragraph], headings: set[int]) -> set[int]:
    """The numbers of the heading paragraphs that become sections: those `headings` that are not a
    "label: value" line, when at least MIN_SECTIONS of them head text (a paragraph that is no heading
    follows before the next one); none otherwise."""
    heads = {p.number for p in paragraphs if p.number in headings and not _FIELD.match(p.text)}
    heading_text = sum(1 for p, q in zip(paragraphs, paragraphs[1:], strict=False)
                       if p.number in heads and q.number not in heads)
    return heads if heading_text >= MIN_SECTIONS else set()


def plain_sections(paragraphs: Sequence[Paragraph], headings: set[int]) -> list[Paragraph]:
    """`paragraphs` of a plain-text file (page furniture already removed) with sections from its heading
    lines (`headings`: the numbers `paragraphs_with_headings` flagged): a heading is the section of the
    paragraphs under it, up to the next heading, and a paragraph of its own (quotable: a heading may hold
    a fact, a version or a date).

    Plain text has no heading levels, so its sections are flat. A heading's own paragraph is given a
    section unlike both of its neighbours', so that a quote never runs on from the text above it into it,
    nor from it into its text (bot/sentence_lookup.py `runs_on` joins neighbours only within one section):
    none (""), or, right under another heading (a title, then the first heading), that heading. What
    stays: text before the first heading of a file whose first line is not a heading has no section, as
    that heading has, so the two may still be quoted as one."""
    heads = _section_heads(paragraphs, headings)
    if not heads:
        return list(paragraphs)
    out: list[Paragraph] = []
    section = ""
    for p in paragraphs:
        if p.number in heads:
            above = out[-1] if out and out[-1].number in heads else None
            out.append(replace(p, section=above.text if above is not None else ""))
            section = p.text
        else:
            out.append(replace(p, section=section))
    return out
