"""The file's own text of a sentence whose document text dropped markup (Markdown).

A Markdown document's text is its rendered text: emphasis marks, link targets, entities, inline HTML and
blockquote marks are gone, so it embeds, matches words and reads as prose. A quote of that text is not
always in the file, though, and a citation's quote must be ("**40 percent**" is what a reader finds, and
what ../shared/eval/score.py checks). So each rendered character is matched, in order, to the next place it
occurs in the raw block it came from, looking a short way ahead and skipping link targets and HTML tags
(never rendered); a sentence's quote is the raw text from its first character's match to its last's. Any
such slice is the file's text, so the quote is verbatim even where a match is off (an entity such as
"&#169;" is simply not found, and the characters around it still are).
"""

from __future__ import annotations

import re

# Rendered characters are searched this far ahead (in raw characters that can render, so a long link target
# costs nothing): markup between two rendered characters is a few marks or an entity ("**", "&amp;",
# "\n> "), never hundreds of characters. The bound keeps a hostile file linear.
LOOKAHEAD = 256

# Raw text that never renders: a link or image target "](url "title")" (the "]" too) and an HTML tag.
# Autolinks ("<https://...>", "<a@b.org>") render their text, so they do not match the tag pattern.
_HIDDEN = re.compile(
    r"\]\((?:<[^<>\n]*>|[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)"
    r"|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_SPACE = re.compile(r"\s")
_OPENING_MARKS = "*_`[!"  # marks that open emphasis, code or a link right before a sentence's first word
_CLOSING_MARKS = "*_`"


class SourceMap:
    """Where each character of a rendered paragraph sits in its raw source block."""

    def __init__(self, rendered: str, source: str):
        self.source = source
        hidden = bytearray(len(source))
        self._ends_link: dict[int, int] = {}  # where a link target "](...)" starts -> where it ends
        for m in _HIDDEN.finditer(source):
            hidden[m.start():m.end()] = b"\x01" * (m.end() - m.start())
            if source[m.start()] == "]":
                self._ends_link[m.start()] = m.end()
        self._shown = [i for i in range(len(source)) if not hidden[i]]
        shown = "".join(source[i] for i in self._shown)
        self.positions = self._align(rendered, shown)

    def _align(self, rendered: str, shown: str) -> list[int]:
        """For each rendered character its index in `source`, or -1 when it is not found close ahead."""
        out: list[int] = []
        j = 0
        for ch in rendered:
            if ch.isspace():
                m = _SPACE.search(shown, j, j + LOOKAHEAD)
                k = m.start() if m else -1
            else:
                k = shown.find(ch, j, j + LOOKAHEAD)
            if k < 0:
                out.append(-1)
                continue
            out.append(self._shown[k])
            j = k + 1
        return out

    def quote(self, start: int, end: int) -> str:
        """The raw text of rendered characters [start, end), white space collapsed; "" when none was found.
        Emphasis, code and link marks right at its edges are taken in, so a quote does not open or close
        half-way through "**...**" or "[...](...)"."""
        found = [k for k in self.positions[start:end] if k >= 0]
        if not found:
            return ""
        a, b = found[0], found[-1] + 1
        while a > 0 and self.source[a - 1] in _OPENING_MARKS:
            a -= 1
        while b < len(self.source):
            if b in self._ends_link:
                b = self._ends_link[b]
            elif self.source[b] in _CLOSING_MARKS:
                b += 1
            else:
                break
        return " ".join(self.source[a:b].split())
