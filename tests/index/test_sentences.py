"""Sentence boundaries: a quote must be a whole sentence, never a fragment cut at an abbreviation or a
footnote mark (the answer quotes sentences verbatim, and each is embedded and ranked on its own)."""

from __future__ import annotations

import re

import pytest

from index.sentences import MAX_SENTENCE_CHARS, sentence_spans
from tests.isolation import CORPUS


def sentences(text: str, language: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text, language)]


@pytest.mark.parametrize(("language", "text", "expected"), [
    # an English abbreviation inside text of another language (Punkt's Spanish and Portuguese models lack "St.")
    ("es", "El fuerte estaba junto al río St. Johns, cerca de la costa. Fue destruido en 1565.",
     ["El fuerte estaba junto al río St. Johns, cerca de la costa.", "Fue destruido en 1565."]),
    ("pt", "A expedição partiu do Mt. Kenya no inverno. Voltou em março.",
     ["A expedição partiu do Mt. Kenya no inverno.", "Voltou em março."]),
    # "No." before a number splits in every model
    ("en", "Kenya ratified Convention No. 81 on labour inspection. It did so in 1964.",
     ["Kenya ratified Convention No. 81 on labour inspection.", "It did so in 1964."]),
    ("en", 'Change need not be political, i.e. "cultural revolution" is meant too. Next one.',
     ['Change need not be political, i.e. "cultural revolution" is meant too.', "Next one."]),
])
def test_abbreviations_before_a_name_or_number_do_not_end_a_sentence(language: str, text: str,
                                                                     expected: list[str]) -> None:
    assert sentences(text, language) == expected


@pytest.mark.parametrize(("language", "text", "expected"), [
    # an ellipsis inside a quotation left "." as a sentence of its own
    ("en", 'He told the court, "I am here to . . . submit cheerfully to the penalty." Then he sat down.',
     ['He told the court, "I am here to . . . submit cheerfully to the penalty."', "Then he sat down."]),
    # page references and bracketed notes after a full stop belong to the sentence they annotate
    ("en", "The first law is about inertia.:212–219 Newton stated it in 1687.",
     ["The first law is about inertia.:212–219", "Newton stated it in 1687."]),
    ("en", "The engine was efficient.[citation needed] It ran for years.",
     ["The engine was efficient.[citation needed]", "It ran for years."]),
    ("es", "Aumentó la presión.[no se proporciona cita]\nLa máquina siguió.",
     ["Aumentó la presión.[no se proporciona cita]", "La máquina siguió."]),
])
def test_marks_and_notes_join_the_sentence_before(language: str, text: str, expected: list[str]) -> None:
    assert sentences(text, language) == expected


def test_a_paragraph_ending_in_a_note_has_no_note_sentence() -> None:
    text = "Steam engines were improved over the century.[citation needed]"
    assert sentences(text, "en") == [text]


@pytest.mark.parametrize(("language", "text", "expected"), [
    ("en", "He lived in the U.S. for years. Then he left.", ["He lived in the U.S. for years.", "Then he left."]),
    ("es", "Vivió en EE. UU. durante años. Luego se fue.", ["Vivió en EE. UU. durante años.", "Luego se fue."]),
    ("en", "1964 was the year. 81 people came.", ["1964 was the year.", "81 people came."]),
    ("en", "[1] The list opens here. It goes on.", ["[1] The list opens here.", "It goes on."]),
])
def test_ordinary_boundaries_hold(language: str, text: str, expected: list[str]) -> None:
    assert sentences(text, language) == expected


def test_every_sentence_of_the_bundled_corpus_has_words() -> None:
    """No sentence of only marks, numbers or a note (each would be embedded and could be quoted alone)."""
    from index.load import load_document

    checked = 0
    for path in sorted(CORPUS.iterdir()):
        doc = load_document(path, CORPUS, ("en", "es", "pt", "id"))
        for paragraph in doc.paragraphs:
            for text in sentences(paragraph.text, doc.language):
                assert re.search(r"[^\W\d_]{2}", text), (path.name, text)
                checked += 1
    assert checked > 100


def test_repairing_a_run_on_paragraph_takes_time_linear_in_its_length() -> None:
    """Untrusted text: a paragraph of repeated "No. 1 " makes every piece join the one before. Looking at the
    whole grown sentence each time made a 20,000-character paragraph take seconds (quadratic); only its end
    decides a join. Compared as a ratio of best times, not against a clock; the two sizes are timed alternately,
    so a busy spell of the machine (the suite's other worker embedding) slows both alike: timed one after the other,
    best of three each, a fresh-clone run once measured 9.7x."""
    import time

    def timed(text: str) -> float:
        started = time.perf_counter()
        spans = sentence_spans(text, "en")
        elapsed = time.perf_counter() - started
        assert all(end - start <= MAX_SENTENCE_CHARS for start, end in spans)
        return elapsed

    small_text, large_text = "No. 1 " * 800, "No. 1 " * 3200
    rounds = [(timed(small_text), timed(large_text)) for _ in range(5)]
    small, large = min(r[0] for r in rounds), min(r[1] for r in rounds)
    assert large < 8 * small, (small, large)  # linear: ~4x; quadratic: ~16x


def test_a_run_without_sentence_ends_is_cut_into_bounded_verbatim_pieces() -> None:
    """A paragraph with no full stop (a log line, a flattened table, a hostile file) was one "sentence" of up to
    20,000 characters, quoted whole as the answer (the sweep of 2026-12-03). Pieces are at most
    MAX_SENTENCE_CHARS, cut after a comma when the piece's second half has one, and cover the text in order."""
    clauses = [f"the keeper of tower {n} painted the gallery rail in shade {n}" for n in range(400)]
    text = ", ".join(clauses)
    spans = sentence_spans(text, "en")
    assert len(spans) > 1 and all(0 < end - start <= MAX_SENTENCE_CHARS for start, end in spans)
    assert all(text[end - 1] == "," for _, end in spans[:-1])  # cut after a comma
    assert all(b[0] > a[1] for a, b in zip(spans, spans[1:], strict=False))  # in order, no overlap
    assert " ".join(text[a:b] for a, b in spans) == text  # nothing lost but the space at each cut
    words = "lighthouse " * 3000  # no comma at all: cut at a space
    assert all(end - start <= MAX_SENTENCE_CHARS and words[start:end].strip() == words[start:end]
               for start, end in sentence_spans(words, "en"))
    assert all(end - start <= MAX_SENTENCE_CHARS for start, end in sentence_spans("x" * 5000, "en"))
