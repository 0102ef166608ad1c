"""Sentence boundaries with NLTK's Punkt models (the copy bundled in llama-index-core, no download).

Punkt has no Indonesian model; the English one splits Indonesian news prose well. A small repair
step re-joins what Punkt breaks wrongly, since every sentence is embedded, ranked and quoted on its own:
splits after initialisms ("EE. UU.", "U.S."), after abbreviations that stand before a name or a number in
any language ("St. Johns" in Spanish text, whose model lacks "St."; "Convention No. 81" in every model),
and marks or notes left as sentences of their own ("." out of a ". . ." ellipsis, a page reference
":212-219" or "[citation needed]" after a full stop, which join the sentence they annotate).
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

_PUNKT_NAMES = {"en": "english", "es": "spanish", "pt": "portuguese", "fr": "french", "de": "german",
                "it": "italian", "nl": "dutch"}
_INITIALISM = re.compile(r"(?:\b[A-Z]{1,2}\.\s?){2,}$")
_LEADING_INITIAL = re.compile(r"^(?:[A-Z]{1,2}\.\s?)+(?=\W|$)")
_ONE_INITIAL = re.compile(r"\b[A-Z]{1,2}\.$")
# Abbreviations written before a name, and before a number: in running text they almost never end a
# sentence, whatever the document's language (Punkt's models each know their own language's list only).
_BEFORE_NAME = re.compile(r"(?:^|[\s(\"“'‘])(?:St|Mt|Ft|Dr|Dra|Mr|Mrs|Ms|Prof|Sr|Sra|Srta|Gen|Lt|Col|Capt|Rev|Hon|"
                          r"Gov|Sen|Pres|vs|cf|viz|i\.e|e\.g)\.$")
_BEFORE_NUMBER = re.compile(r"(?:^|[\s(])(?:No|Nos|Nr|Nº|nº|núm|Núm|pp?|Vol|vol|Art|art|Fig|fig|Sec|sec)\.$")
# What opens a piece and belongs to the sentence before: a bracketed note ("[citation needed]", "[12]") or a
# token of marks and digits that starts with a mark (":212–219", ".", "..."). Used with match(text, pos).
_LEADING_NOTE = re.compile(r"(?:\[[^\]\n]{0,40}\]|[^\w\s\"“'‘(\[¿¡«](?:(?![^\W\d_])\S)*)(?=\s|$)")
_WORD = re.compile(r"[^\W\d_]")
# How much of the end of the sentence so far decides a join (an initialism or an abbreviation ends it): reading
# only that keeps a paragraph whose every piece joins (untrusted text: "No. 1 No. 2 ...") linear, not quadratic.
_TAIL_CHARS = 64
_lock = threading.Lock()
# The longest a sentence may be: a run of text with no sentence end (a paragraph without full stops, a log line,
# a table flattened to text) is cut into pieces of at most this many characters, after a comma, semicolon or
# colon when the piece's second half has one, else at a space, else anywhere; each piece is quoted on its own.
# Until 2026-12-03 such a run was one "sentence" of up to 20,000 characters (paragraphs.MAX_PARAGRAPH_CHARS),
# quoted whole as the answer. 1,500 is above the longest real sentence of the training articles (1,341
# characters, train/corpus.py) and of the bundled corpus, so no sentence of ordinary prose is cut.
MAX_SENTENCE_CHARS = 1500
_CLAUSE_END = re.compile(r"[,;:](?=\s)")


@lru_cache(maxsize=16)
def _punkt(language: str) -> Any:
    from llama_index.core.utils import globals_helper

    _ = globals_helper.punkt_tokenizer  # puts llama-index's bundled nltk_cache on nltk's search path
    from nltk.tokenize.punkt import PunktTokenizer

    return PunktTokenizer(_PUNKT_NAMES.get(language, "english"))


def sentence_spans(text: str, language: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of `text`."""
    with _lock:
        spans = list(_punkt(language).span_tokenize(text))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged:
            prev_start, prev_end = merged[-1]
            note = _LEADING_NOTE.match(text, start, end)
            if note or not _WORD.search(text, start, end):
                # the note (or a piece without a letter) joins the sentence before; the rest stays a sentence
                cut = note.end() if note else end
                merged[-1] = (prev_start, cut)
                while cut < end and text[cut].isspace():
                    cut += 1
                if cut >= end:
                    continue
                start = cut
                prev_end = merged[-1][1]
            if _joins(text[max(prev_start, prev_end - _TAIL_CHARS):prev_end], text[start:end]):
                merged[-1] = (prev_start, end)
                continue
        merged.append((start, end))
    if any(end - start > MAX_SENTENCE_CHARS for start, end in merged):
        return [piece for start, end in merged for piece in _pieces(text, start, end)]
    return merged


def line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of a code block's text (index/structured.py `code_text`) in runs of whole lines of at most
    MAX_SENTENCE_CHARS, blank lines at their edges left out; a longer line is cut as a sentence would be
    (`_pieces`). Code is quoted as the file lays it out: Punkt would split it at "os.path" and a quote of it
    was one line, so `pip install x # note:` then the next command read as one comment."""
    spans: list[tuple[int, int]] = []
    start = end = -1  # the current run: its first and last non-blank line
    pos = 0
    for line in text.split("\n"):
        line_end = pos + len(line.rstrip())
        if line.strip():
            if start >= 0 and line_end - start > MAX_SENTENCE_CHARS:
                spans.append((start, end))
                start = -1
            if line_end - pos > MAX_SENTENCE_CHARS:
                spans += _pieces(text, pos + len(line) - len(line.lstrip()), line_end)
            else:
                start, end = (pos if start < 0 else start), line_end
        pos += len(line) + 1
    if start >= 0:
        spans.append((start, end))
    return spans


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of `text[start:end]` in pieces of at most MAX_SENTENCE_CHARS (see there), without the white
    space around the cuts. Linear: each window is searched once."""
    pieces: list[tuple[int, int]] = []
    while end - start > MAX_SENTENCE_CHARS:
        limit = start + MAX_SENTENCE_CHARS
        half = start + MAX_SENTENCE_CHARS // 2
        clauses = [m.end() for m in _CLAUSE_END.finditer(text, half, limit)]
        cut = clauses[-1] if clauses else text.rfind(" ", half, limit)
        cut = cut if cut > start else limit
        piece_end = cut
        while piece_end > start and text[piece_end - 1].isspace():
            piece_end -= 1
        pieces.append((start, piece_end))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        pieces.append((start, end))
    return pieces


def _joins(prev: str, nxt: str) -> bool:
    """Whether Punkt's boundary between `prev` (the end of the sentence so far) and `nxt` is wrong: the next piece
    opens in lower case, or the previous ends in an initialism or in an abbreviation that stands before what the
    next piece opens with."""
    if nxt[:1].islower() or _INITIALISM.search(prev):
        return True
    if _LEADING_INITIAL.match(nxt) and _ONE_INITIAL.search(prev):
        return True
    if _BEFORE_NAME.search(prev):
        return True
    return bool(_BEFORE_NUMBER.search(prev)) and nxt[:1].isdigit()
