"""Lines that answer nothing by themselves: an FAQ's "Q:" lines, and headings.

The question line of an FAQ paraphrases the user's question, so the ranker (fitted on prose, where sentences
are statements) scores it first; quoted alone it answers nothing. In a user's sweep (2026-12-03) "Can I bring
my dog on the ferry?" was answered "Q: Can I bring my dog on board?", with another "Q:" line as the second
quote. A lead that is a question is quoted with the sentences after it; a question never joins as a further
quote. A heading, which matches a question about its subject as well, is the same: quoted alone it told a
clinic's patients "Receitas e renovação de medicação" (same sweep). Real embedder, real Chroma, the shipped
ranker.
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


GUIDE = """Guia do paciente

Vacinação

A vacina contra a gripe é gratuita para pessoas com 60 ou mais anos. Traga o seu boletim de vacinas.

Receitas e renovação de medicação

Os pedidos de renovação de receitas podem ser feitos por e-mail. A receita fica pronta no prazo de dois dias úteis.
"""


@pytest.fixture(scope="module")
def faq_engine(tmp_path_factory: pytest.TempPathFactory):
    """An engine over the FAQ and the clinic guide, each in its own folder (an index each)."""
    from bot.engine import Engine
    from index.ingest import build_index
    from tests.isolation import settings_for

    engines = {}
    for name, text in (("faq.txt", FAQ), ("guide.txt", GUIDE)):
        root: Path = tmp_path_factory.mktemp(name.split(".")[0])
        corpus = root / "docs"
        corpus.mkdir()
        (corpus / name).write_text(text, encoding="utf-8")
        settings = settings_for(root / "data", corpus)
        build_index(settings)
        engines[name] = Engine(settings, build_if_missing=False)
    return engines


@pytest.mark.parametrize("question, answer", [
    ("Can I bring my dog on the ferry?", "Dogs are welcome on all sailings"),
    ("What discount do islanders get?", "half the adult fare"),
])
def test_an_faq_question_line_is_quoted_with_its_answer(faq_engine, question: str, answer: str) -> None:
    result = faq_engine["faq.txt"].answer(question)
    assert result.answered and answer in result.text, result.text
    # no other question of the FAQ is quoted: it answers nothing
    asked = [line for line in FAQ.splitlines() if line.startswith("Q:")]
    assert sum(q in result.text for q in asked) <= 1, result.text


@pytest.mark.parametrize("question", ["How do I renew a prescription?", "Como renovo uma receita?"])
def test_a_heading_that_leads_is_quoted_with_the_text_under_it(faq_engine, question: str) -> None:
    result = faq_engine["guide.txt"].answer(question)
    assert result.answered and "podem ser feitos por e-mail" in result.text, result.text


def test_a_heading_never_joins_as_a_further_quote(faq_engine) -> None:
    result = faq_engine["guide.txt"].answer("Is the flu vaccine free?")
    assert "gratuita" in result.text and "Vacinação" not in [c.quote for c in result.citations], result.text


def test_is_question_reads_the_final_mark_only() -> None:
    assert is_question("Q: Can I bring my dog on board?")
    assert is_question("¿Cuándo abre el museo?»")
    assert not is_question("He asked whether the ferry runs on Sundays.")
    assert not is_question("What? No, the ferry runs daily.")
