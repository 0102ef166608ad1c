"""A question asking "what X" is answered by the sentence that names X, even when the sentence that matches the
question best only points at it with a demonstrative ("... are treated using these devices"): the sentence
before is quoted with it (bot/sentence_lookup.py: names_asked_kind)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.sentence_lookup import names_asked_kind
from tests.isolation import settings_for

WORKSHOP = """The village repair café meets on the first Saturday of every month in the old school hall.

Volunteers bring soldering stations, sewing machines and a small lathe for the evening.

Broken toasters, torn jackets and wobbly chair legs are mended using these tools, free of charge.

Visitors are asked to bring only what they can carry themselves.
"""


@pytest.mark.parametrize("question, text, language", [
    ("What device is used to measure air pressure?", "Air pressure is usually measured with these devices.", "en"),
    ("What type of network does the protocol use?", "The protocol uses this type of network.", "en"),
    ("¿Qué tipo de red utiliza el protocolo?", "El protocolo utiliza este tipo de red.", "es"),
    ("Que ferramentas são usadas?", "Essas ferramentas são usadas no campo.", "pt"),
    ("Alat apa yang dipakai petani?", "Petani memakai alat tersebut setiap hari.", "id"),
])
def test_a_demonstrative_naming_the_kind_asked_for_points_back(question: str, text: str, language: str) -> None:
    assert names_asked_kind(question, text, language)


@pytest.mark.parametrize("question, text, language", [
    # the sentence names the kind without a demonstrative: it may say what it is itself
    ("What device is used to measure air pressure?", "A barometer is the device used for air pressure.", "en"),
    # a demonstrative before another word than the one asked for
    ("What device is used to measure air pressure?", "This measurement needs a calm day.", "en"),
    # "what is" asks for no kind of thing: "this is" in the sentence is no reference to one
    ("What is the capital?", "The town grew, and this is why it is the capital.", "en"),
    ("Apa yang dipakai petani?", "Alat yang itu dipakai petani.", "id"),
    # the question asks no "what X"
    ("When was the hall built?", "This hall was built in 1902.", "en"),
    # a language without the rule's words
    ("What device is used?", "These devices are used.", "xx"),
])
def test_other_sentences_do_not_point_back(question: str, text: str, language: str) -> None:
    assert not names_asked_kind(question, text, language)


def test_the_sentence_a_demonstrative_points_at_is_quoted_before_it(tmp_path: Path) -> None:
    """The third sentence matches "what tools" best but only says "these tools"; the tools are in the one before.
    Before the rule the answer quoted the third sentence alone (it opens with no pronoun)."""
    from bot.engine import Engine
    from index.ingest import build_index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "repair.txt").write_text(WORKSHOP, encoding="utf-8")
    settings = settings_for(tmp_path / "data", corpus)
    build_index(settings)
    engine = Engine(settings, build_if_missing=False)
    answer = engine.answer("What tools are used to mend broken toasters and torn jackets at the repair café?")
    assert answer.answered
    quotes = [c.quote for c in answer.citations]
    mended = next(i for i, q in enumerate(quotes) if "mended using these tools" in q)
    before = " ".join(quotes[:mended + 1])
    assert "soldering stations, sewing machines and a small lathe" in before
    flat = " ".join(WORKSHOP.split())  # a quote running over two paragraphs reads their break as one space
    assert all(" ".join(q.split()) in flat for q in quotes)
