"""The citation checks on their own: markers, uncited sentences, renumbering, streaming, quotes, deadlines."""

from __future__ import annotations

import threading
import time
from dataclasses import MISSING, fields

import numpy as np
import pytest

from bot.llm.citations import CitationChecker, marker_numbers
from bot.llm.quotes import build_citations
from bot.llm.stream import LLMFailure, LLMTimeout, with_deadline
from index.types import Passage, Sentence


def check(text: str, sources: int = 3, step: int = 0) -> tuple[CitationChecker, list[str]]:
    """Run `text` through a checker, whole (step 0) or in chunks of `step` characters."""
    checker = CitationChecker(sources)
    pieces: list[str] = []
    for i in range(0, len(text), step or max(len(text), 1)):
        pieces += checker.feed(text[i:i + (step or len(text))])
    pieces += checker.finish()
    return checker, pieces


def test_invalid_markers_removed_and_survivors_renumbered() -> None:
    checker, _ = check("Chips were bought [3][7]. Prices rose [9]. Nvidia sold more [1].")
    assert checker.text == "Chips were bought [1]. Nvidia sold more [2]."
    assert checker.renumber == {3: 1, 1: 2}
    assert checker.dropped == ["Prices rose [9]."] and 7 in checker.removed_markers


def test_uncited_sentences_are_dropped_and_nothing_cited_means_nothing_kept() -> None:
    checker, pieces = check("Sure, here is the answer. ByteDance bought chips [2]. That is all I know.")
    assert checker.text == "ByteDance bought chips [1]." and pieces == ["ByteDance bought chips [1]."]
    empty, pieces = check("No citation here. None here either.")
    assert empty.kept == [] and pieces == [] and empty.text == ""


@pytest.mark.parametrize(("reply", "shown"), [
    ("A fact. [2] Another fact [1].", "A fact. [1] Another fact [2]."),  # marker after the full stop
    ("Both say so [1, 3].", "Both say so [1][2]."),
    ("A range [1-2].", "A range [1][2]."),
    ("U.S. officials agreed [1].", "U.S. officials agreed [1]."),  # an abbreviation is not a sentence end
    ("- first [1]\n- second [2]", "- first [1]\n- second [2]"),
    ("1. First [2].\n2. Second [2].", "1. First [1].\n2. Second [1]."),
    ("<think>Source [1] is about chips.</think>They bought chips [3].", "They bought chips [1]."),
    ("First para [1].\n\nSecond para [2].", "First para [1].\n\nSecond para [2]."),
])
def test_reply_shapes(reply: str, shown: str) -> None:
    assert check(reply)[0].text == shown


@pytest.mark.parametrize("step", [1, 2, 5, 13])
def test_streaming_gives_the_same_text_at_any_chunk_size(step: int) -> None:
    reply = "Intro without source. ByteDance bought chips. [2] Nvidia sold H20 chips [1][5].\nDone [3]."
    whole, _ = check(reply)
    streamed, pieces = check(reply, step=step)
    expected = "ByteDance bought chips. [1] Nvidia sold H20 chips [2].\nDone [3]."
    assert "".join(pieces) == streamed.text == whole.text == expected


def test_sentences_are_released_before_the_reply_ends() -> None:
    checker = CitationChecker(2)
    assert checker.feed("They bought chips [1].") == []  # could still be followed by "[2]"
    assert checker.feed(" Then") == ["They bought chips [1]."]
    assert checker.feed(" more [2].") == []
    assert checker.finish() == [" Then more [2]."]


def test_marker_numbers() -> None:
    assert marker_numbers("1, 3") == [1, 3]
    assert marker_numbers("2-4") == [2, 3, 4]
    assert marker_numbers("1-500") == [1, 500]  # not a range anyone means


def _sentence(i: int, text: str, file: str, vector: list[float]) -> Sentence:
    v = np.asarray(vector, dtype=np.float32)
    values: dict[str, object] = {"id": f"s{i}", "file": file, "language": "en", "text": text,
                                 "paragraph": i, "start": 0, "end": len(text), "position": i,
                                 "embedding": v / np.linalg.norm(v)}
    for f in fields(Sentence):  # any bookkeeping field the index adds (doc_key, ...)
        if f.name not in values and f.default is MISSING:
            values[f.name] = ""
    return Sentence(**values)  # type: ignore[arg-type]


def test_quotes_are_the_closest_document_sentence() -> None:
    a = _sentence(1, "The weather was fine.", "a.txt", [1, 0, 0])
    b = _sentence(2, "ByteDance bought 100 thousand Ascend 910B chips.", "a.txt", [0, 1, 0])
    c = _sentence(3, "Nvidia shipped a million H20 chips.", "b.txt", [0, 0, 1])
    passages = [Passage("p1", "a.txt", "en", f"{a.text} {b.text}", "paragraphs 1-2", 0.5, sentences=[a, b]),
                Passage("p2", "b.txt", "en", c.text, "paragraph 3", 0.4, sentences=[c])]
    checker, _ = check("Nvidia shipped about a million chips [2]. ByteDance bought chips [1].", sources=2)

    def embed(texts: list[str]) -> np.ndarray:
        return np.asarray([[0, 0.2, 1] if "Nvidia" in t else [0.1, 1, 0] for t in texts], dtype=np.float32)

    query = np.asarray([0, 0.6, 0.8], dtype=np.float32)
    for embedder in (embed, None):  # by embeddings, then by word overlap
        first, second = build_citations(checker.kept, checker.renumber, passages, query, embedder)
        assert (first.n, first.file, first.quote) == (1, "b.txt", c.text)
        assert (second.n, second.file, second.quote, second.location) == (2, "a.txt", b.text, "paragraph 2")
        assert second.score == pytest.approx(0.6)
        assert first.also_in == [] and first.passage == passages[1].text
    translated = _sentence(4, "ByteDance membeli 100 ribu chip.", "c.txt", [0, 1, 0])
    _, second = build_citations(checker.kept, checker.renumber, passages, query, embed, lambda s: [translated])
    assert second.also_in == ["c.txt"]  # the extractive synthesizer's translation finder, when given


def test_deadline_gives_up_on_silence() -> None:
    release = threading.Event()

    def hangs() -> list[str]:
        release.wait(5)
        return ["late"]

    started = time.monotonic()
    with pytest.raises(LLMTimeout):
        list(with_deadline(hangs, 0.3))
    assert time.monotonic() - started < 1.0
    release.set()


def test_deadline_passes_pieces_and_errors() -> None:
    def fails():
        yield "a"
        raise ConnectionError("refused")

    got: list[str] = []
    with pytest.raises(LLMFailure, match="ConnectionError: refused"):
        for piece in with_deadline(fails, 1.0):
            got.append(piece)
    assert got == ["a"]
