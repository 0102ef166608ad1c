"""Check an LLM's answer sentence by sentence before any of it is shown.

Rules (README, "LLM answers"):
- a marker `[n]` that names no source is removed; `[1, 3]` and `[1-2]` are read as `[1][3]`, `[1][2]`;
- a sentence left without a valid marker is dropped (it may be the model's own knowledge);
- the surviving markers are renumbered 1..m in order of first appearance, so they match the citations;
- `<think>...</think>` reasoning that some local models emit is never shown.
The checker works on a stream: a sentence is released once the text after it shows it has ended, so
a marker the model writes after the full stop (`... chips. [2]`) still counts for that sentence.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

MARKER = re.compile(r"\s*\[\s*(\d+(?:\s*(?:[,;]|[-–])\s*\d+)*)\s*\]")
_SPACE = re.compile(r"\s+")
_TERMINATORS = ".!?…。！？"
_CLOSERS = "\"'”’»)*_"
_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL)
_LIST_ITEM = re.compile(r"\s*(?:\d{1,2}[.)]|[-*•])")
MAX_RANGE = 10


@dataclass
class CheckedSentence:
    """One sentence that survived the checks: shown text, plain claim, and the sources it cites."""

    text: str  # with renumbered markers
    claim: str  # without markers, for matching against the sources
    sources: list[int] = field(default_factory=list)  # original 1-based source numbers


def marker_numbers(body: str) -> list[int]:
    """The source numbers inside one marker's brackets: "1, 3" -> [1, 3], "2-4" -> [2, 3, 4]."""
    numbers: list[int] = []
    for part in re.split(r"\s*[,;]\s*", body):
        ends = [int(x) for x in re.split(r"\s*[-–]\s*", part) if x]
        if len(ends) == 2 and 0 <= ends[1] - ends[0] <= MAX_RANGE:
            numbers.extend(range(ends[0], ends[1] + 1))
        else:
            numbers.extend(ends)
    return numbers


def visible_text(raw: str) -> str:
    """The reply without reasoning blocks; an unclosed `<think>` hides everything after it."""
    return _THINK.sub("", raw)


def _ends_sentence(before: str) -> bool:
    """True when `before` (text up to a space) ends a sentence, ignoring trailing markers and quotes."""
    stripped = MARKER.sub("", before[-40:]).rstrip().rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in _TERMINATORS


def _starts_sentence(char: str) -> bool:
    """A full stop followed by a lower-case word is an abbreviation ("U.S. officials"), not an end."""
    return not char.islower()


class CitationChecker:
    """Feeds on model text, releases checked sentences, remembers what they cite."""

    def __init__(self, n_sources: int):
        self.n_sources = n_sources
        self.renumber: dict[int, int] = {}  # original source number -> shown number
        self.kept: list[CheckedSentence] = []
        self.dropped: list[str] = []
        self.removed_markers: list[int] = []
        self._raw = ""
        self._pos = 0  # how far into the visible text sentences have been taken
        self._separator = ""  # whitespace owed before the next kept sentence
        self._shown: list[str] = []  # the checked pieces released so far

    # streaming ------------------------------------------------------------------------------
    def feed(self, delta: str) -> list[str]:
        """Take more model text; return the checked pieces now ready to show."""
        self._raw += delta
        text = visible_text(self._raw)
        pieces: list[str] = []
        base = self._pos
        for gap in re.finditer(r"\s+", text[base:]):
            start, end = base + gap.start(), base + gap.end()
            if end >= len(text):
                break  # cannot tell yet what follows this space
            if text[end] == "[":
                continue  # a marker that belongs to the sentence before it
            if _LIST_ITEM.fullmatch(text[self._pos:start]):
                continue  # "1." or "-" opening a list item, not a sentence of its own
            if "\n" in gap.group() or (_ends_sentence(text[:start]) and _starts_sentence(text[end])):
                pieces += self._take(text[self._pos:start], gap.group())
                self._pos = end
        return pieces

    def finish(self) -> list[str]:
        """The last sentence, once the model has stopped."""
        text = visible_text(self._raw)
        rest, self._pos = text[self._pos:], len(text)
        return self._take(rest, "")

    @property
    def text(self) -> str:
        return "".join(self._shown)

    # checking -------------------------------------------------------------------------------
    def _take(self, segment: str, separator: str) -> list[str]:
        checked = self.check(segment)
        if checked is None:
            if segment.strip():
                self.dropped.append(segment.strip())
                logger.debug("dropped an uncited sentence from the LLM answer")
            self._separator = _stronger(self._separator, separator)
            return []
        piece = (self._separator if self.kept else "") + checked.text
        self.kept.append(checked)
        self._shown.append(piece)
        self._separator = _normal(separator)
        return [piece]

    def check(self, segment: str) -> CheckedSentence | None:
        """The sentence with invalid markers removed and valid ones renumbered; None when uncited."""
        segment = segment.strip()
        valid = [n for m in MARKER.finditer(segment) for n in marker_numbers(m.group(1))
                 if 1 <= n <= self.n_sources]
        claim = _SPACE.sub(" ", MARKER.sub("", segment)).strip()
        if not valid or not re.search(r"\w", claim):
            self.removed_markers += [n for m in MARKER.finditer(segment) for n in marker_numbers(m.group(1))]
            return None
        sources: list[int] = []
        for n in valid:
            if n not in sources:
                sources.append(n)
            self.renumber.setdefault(n, len(self.renumber) + 1)
        text = MARKER.sub(self._rewrite, segment).strip()
        return CheckedSentence(text=text, claim=claim, sources=sources)

    def _rewrite(self, match: re.Match[str]) -> str:
        numbers = marker_numbers(match.group(1))
        kept = []
        for n in numbers:
            if 1 <= n <= self.n_sources and self.renumber[n] not in kept:
                kept.append(self.renumber[n])
            elif not 1 <= n <= self.n_sources:
                self.removed_markers.append(n)
        return " " + "".join(f"[{k}]" for k in kept) if kept else ""


def _normal(separator: str) -> str:
    """Keep paragraph breaks and line breaks (lists); any other gap becomes one space."""
    if "\n\n" in separator:
        return "\n\n"
    return "\n" if "\n" in separator else (" " if separator else "")


def _stronger(a: str, b: str) -> str:
    a, b = _normal(a), _normal(b)
    return max(a, b, key=lambda s: (s.count("\n"), len(s)))
