"""Documents that ask questions themselves: an FAQ's "Q:" lines.

The question line of an FAQ paraphrases the user's question, so the ranker (fitted on prose, where sentences
are statements) scores it first; quoted alone it answers nothing. In a user's sweep (2026-12-03) "Can I bring
my dog on the ferry?" was answered "Q: Can I bring my dog on board?", with another "Q:" line as the second
quote. A lead that is a question is quoted with the sentences after it; a question never joins as a further
quote. Real embedder, real Chroma, the shipped ranker.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.extractive import is_question

FAQ = """Ferry questions and answers

Q: Can I bring my dog on board?
A: Yes. Dogs are welcome on all sailings but must stay on a lead on the outside decks.

Q: Is the ferry accessible for wheelchair users?
A: Yes. Both ferries have a lift between the car deck and the passenger lounge, and an accessible toilet.

Q: Do you offer discounts for islanders?
A: Islanders with a resident card pay half the adult fare on every crossing.

Q: How early should I arrive?
A: Foot passengers should arrive ten minutes before departure and cars thirty minutes before.
"""


@pytest.fixture(scope="module")
def faq_engine(tmp_path_factory: pytest.TempPathFactory):
    from bot.engine import Engine
    from index.ingest import build_index
    from tests.isolation import settings_for

    root: Path = tmp_path_factory.mktemp("faq")
    corpus = root / "docs"
    corpus.mkdir()
    (corpus / "faq.txt").write_text(FAQ, encoding="utf-8")
    settings = settings_for(root / "data", corpus)
    build_index(settings)
    return Engine(settings, build_if_missing=False)


@pytest.mark.parametrize("question, answer", [
    ("Can I bring my dog on the ferry?", "Dogs are welcome on all sailings"),
    ("What discount do islanders get?", "half the adult fare"),
])
def test_an_faq_question_line_is_quoted_with_its_answer(faq_engine, question: str, answer: str) -> None:
    result = faq_engine.answer(question)
    assert result.answered and answer in result.text, result.text
    # no other question of the FAQ is quoted: it answers nothing
    asked = [line for line in FAQ.splitlines() if line.startswith("Q:")]
    assert sum(q in result.text for q in asked) <= 1, result.text


def test_is_question_reads_the_final_mark_only() -> None:
    assert is_question("Q: Can I bring my dog on board?")
    assert is_question("¿Cuándo abre el museo?»")
    assert not is_question("He asked whether the ferry runs on Sundays.")
    assert not is_question("What? No, the ferry runs daily.")
