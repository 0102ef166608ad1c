"""Answer -> what a person reads: plain text for terminals and pipes (HTML for Telegram lives below).

Document strings are cleaned of terminal control again here (index/sanitize.py): the loader already
removes it, but an index built before it did may still hold an `ESC [2J` or an OSC title in a quote.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from bot.answer import Answer, Citation
from index.sanitize import clean_line, clean_text

# JSON keeps these raw with ensure_ascii=False: C1 controls (a terminal may act on them), bidi
# overrides, and the line separators that str.splitlines() and JavaScript treat as line ends.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def json_line(data: Any, indent: int | None = None) -> str:
    """`data` as JSON with readable non-ASCII text, but every character a terminal or a line reader
    could act on escaped (they can only occur inside strings, where \\uXXXX is valid JSON)."""
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def source_line(c: Citation) -> str:
    """'[1] 003_beaee59b89498f57.txt (id), paragraph 9' with the other files that say the same."""
    line = f"[{c.n}] {c.file} ({c.language}), {c.location}"
    if c.also_in:
        line += f"; also in {', '.join(c.also_in)}"
    return clean_line(line)


_QUOTE_INDENT = "    "


def quote_lines(quote: str) -> str:
    """A quote under its source line, cleaned: indented, between quote marks, a multi-line quote (a code
    block keeps its lines: index/structured.py) with each further line under its first character, so it
    reads as one quote and is copied line by line as the file writes it."""
    return f'{_QUOTE_INDENT}"' + clean_text(quote).replace("\n", "\n" + _QUOTE_INDENT + " ") + '"'


def to_text(answer: Answer) -> str:
    """The answer, a blank line, then each source with its quote."""
    if not answer.answered or not answer.citations:
        return clean_text(answer.text)
    lines = [clean_text(answer.text), ""]
    for c in answer.citations:
        lines.append(source_line(c))
        lines.append(quote_lines(c.quote))
    return "\n".join(lines)


# Telegram HTML -----------------------------------------------------------------------------------
# Telegram counts message length in UTF-16 code units; measuring the raw HTML (always at least as long
# as the parsed text) keeps every part under the limit whatever tags and entities it holds.
TELEGRAM_LIMIT = 4096
QUOTE_CHARS = 300
# Longer quotes are sent collapsed: a phone shows about 40 characters a line, so this is four lines, as
# much as a reader takes in at a glance; the rest opens with a tap.
EXPANDABLE_CHARS = 160

_ATOM = re.compile(r"<[^<>]*>|&(?:#\d+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);|[^<&]|[<&]", re.S)
_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)[^>]*>")
_BREAKS = {"\n\n": 4, "\n": 3, " ": 1}  # preferred split points, best first (2: a space after a sentence)
_SENTENCE_END = frozenset(".!?…]")  # a space after these ends a sentence or a quote's [n] marker


def escape(text: str) -> str:
    """Text made safe for Telegram's HTML parse mode (documents and users may write <, > and &)."""
    return html.escape(text, quote=False)


def shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut.rstrip(",;:") + "…"


def blockquote(text: str) -> str:
    """Escaped `text` as a quote, collapsed to its first lines when long (Telegram's expandable quote)."""
    tag = "blockquote expandable" if len(text) > EXPANDABLE_CHARS else "blockquote"
    return f"<{tag}>{escape(text)}</blockquote>"


def source_html(c: Citation, quote_chars: int = QUOTE_CHARS) -> str:
    """One numbered source as Telegram HTML: its line, then a short quote."""
    return f"<b>{escape(source_line(c))}</b>\n{blockquote(shorten(c.quote, quote_chars))}"


def to_html(answer: Answer) -> str:
    """The answer, then the numbered sources; every document string escaped.

    An extractive answer already is the quote, so its sources are one line each (file, language, where,
    also in) and the button under the answer shows the whole passage; an LLM's sources keep their quote,
    which shows what the paraphrase rests on."""
    text = escape(answer.text)
    if not answer.answered or not answer.citations:
        return text
    if answer.mode == "extractive":
        return text + "\n\n" + "\n".join(f"<b>{escape(source_line(c))}</b>" for c in answer.citations)
    return "\n\n".join([text, *(source_html(c) for c in answer.citations)])


def passage_html(c: Citation) -> str:
    """The whole passage behind a citation, for the 'show source' button."""
    return f"<b>{escape(source_line(c))}</b>\n{blockquote(' '.join((c.passage or c.quote).split()))}"


def telegram_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_html(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Telegram HTML cut into messages of at most `limit`, at paragraph breaks where possible.

    Never cuts inside a tag or an entity; a tag open across a cut is closed at the end of one part and
    opened again at the start of the next, so every part parses on its own.
    """
    text = text.strip()
    if telegram_length(text) <= limit:
        return [text] if text else []
    atoms = _ATOM.findall(text)
    parts: list[str] = []
    stack: Stack = []
    start = 0
    while start < len(atoms):
        reopen = "".join(tag for _, tag in stack)
        end, after = _fit(atoms, start, stack, limit - telegram_length(reopen))
        body = "".join(atoms[start:end]).strip()
        if _TAG.sub("", body).strip():
            parts.append(reopen + body + "".join(f"</{name}>" for name, _ in reversed(after)))
        start, stack = end, after
    return parts


Stack = list[tuple[str, str]]  # open tags: (name, the opening tag as written)


def _fit(atoms: list[str], start: int, stack: Stack, budget: int) -> tuple[int, Stack]:
    """Where to end the part starting at atoms[start]: the last paragraph break that fits, else the last
    line break, else the last space after a sentence or a [n] marker (an extractive answer is one paragraph
    of quotes), else the last space, else as many atoms as fit; with the tags still open there."""
    open_tags = list(stack)
    closers = sum(len(name) + 3 for name, _ in open_tags)
    used = 0
    best: dict[int, tuple[int, Stack]] = {}
    for i in range(start, len(atoms)):
        atom = atoms[i]
        tag = _TAG.fullmatch(atom)
        if tag and tag.group(1):
            if open_tags and open_tags[-1][0] == tag.group(2).lower():
                open_tags.pop()
                closers -= len(tag.group(2)) + 3
        elif tag:
            open_tags.append((tag.group(2).lower(), atom))
            closers += len(tag.group(2)) + 3
        used += telegram_length(atom)
        if used + closers > budget:
            if not best:  # one atom longer than the budget: take it anyway, so the split advances
                return i + 1, open_tags
            break
        priority = _BREAKS.get(atom, 0)
        if i > start and atom in ("\n", " "):
            if atom == "\n" and atoms[i - 1] == "\n":
                priority = _BREAKS["\n\n"]
            elif atom == " " and atoms[i - 1] in _SENTENCE_END:
                priority = 2
        best[priority] = (i + 1, list(open_tags))
    else:
        return len(atoms), open_tags
    return best[max(best)]


def counted(n: int, noun: str) -> str:
    """'1 chunk', '3 chunks': a count with its noun in the right number (English plural in -s)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def source_number(text: str) -> int | None:
    """The number of a source as `/show N` or a button's data gives it: ASCII digits only, at most four
    ("²".isdigit() is True and int("²") raises; int() of 5000 digits raises too); None for anything else."""
    return int(text) if re.fullmatch(r"[0-9]{1,4}", text) else None
