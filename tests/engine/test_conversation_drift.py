"""Issue 10, items 10 and 11: nonsense after a conversation is declined, and a question is answered in
its own language, whatever the conversation's language was."""

from __future__ import annotations

import pytest

from bot.answer import Turn
from bot.engine import Engine
from bot.question_language import question_language

LANGUAGES = ("en", "id", "es", "pt", "fr", "de", "it", "nl")


@pytest.mark.parametrize(("question", "language"), [
    ("Who is Lin Qingyuan?", "en"),
    ("What is the H20?", "en"),
    ("¿Quién es Lin Qingyuan?", "es"),
    ("Quem é Lin Qingyuan?", "pt"),
    ("Siapa Lin Qingyuan?", "id"),
    ("Quantos chips a ByteDance comprou?", "pt"),
    ("¿Cuántos chips compró ByteDance?", "es"),
    ("Berapa banyak chip yang dibeli ByteDance?", "id"),
])
def test_short_questions_are_recognised_by_their_function_words(question: str, language: str) -> None:
    # the previous turn's language is only a fallback: a detectable question language wins over it
    for fallback in ("pt", "id", "en", "es"):
        assert question_language(question, LANGUAGES, fallback=fallback) == language


def test_undetectable_questions_keep_the_conversation_language() -> None:
    assert question_language("H20?", LANGUAGES, fallback="pt") == "pt"
    assert question_language("910B", LANGUAGES, fallback="id") == "id"


def test_english_question_after_a_portuguese_one_is_answered_in_english(engine: Engine) -> None:
    first = engine.answer(
        "Quantos clientes potenciais disseram ao Financial Times que não conseguiram adquirir os chips?")
    assert first.language == "pt"
    second = engine.answer("Who is Lin Qingyuan?", [Turn(first.question, first)])
    assert second.language == "en"
    assert second.answered and second.citations[0].language == "en", second.citations[0]


def test_english_version_leads_when_one_exists(engine: Engine) -> None:
    """The lead is quoted in the question's language when a version of it exists in that language (the other
    files go to also_in). The lead stays first whatever its language (since the ninth session: moving a weaker
    quote in the question's language before it opened answers with the wrong sentence)."""
    answer = engine.answer("What is the H20?")
    assert answer.answered
    english = {name for name, entry in engine.retriever._snapshot.manifest.files.items() if entry.language == "en"}
    lead = answer.citations[0]
    assert lead.language == "en" or not english & set(lead.also_in), lead
    assert "H20" in lead.quote


@pytest.mark.parametrize("nonsense", ["asdfgh qwerty", "qwertz", "zzkj xxpl"])
def test_nonsense_after_a_conversation_is_declined(engine: Engine, nonsense: str) -> None:
    first = engine.answer("Who is Lin Qingyuan?")
    assert first.answered
    reply = engine.answer(nonsense, [Turn(first.question, first)])
    assert not reply.answered, reply.text
    assert reply.citations == []


def test_short_real_followups_still_borrow_the_subject(engine: Engine) -> None:
    first = engine.answer("Who is Lin Qingyuan?")
    reply = engine.answer("And his employer?", [Turn(first.question, first)])
    assert "Lin Qingyuan" in reply.standalone_question


def test_unknown_words_only_stop_a_followup_without_a_pronoun() -> None:
    from bot.followup import resolve_followup
    from tests.engine.test_followups import _turn

    history = [_turn("Who is Lin Qingyuan?")]
    nothing_known = lambda text: [w for w in text.lower().replace("?", "").split() if w not in {"and", "his"}]  # noqa: E731
    assert resolve_followup("asdfgh qwerty", history, nothing_known).borrowed == ""
    assert resolve_followup("and qwertz?", history, nothing_known).borrowed == ""
    assert resolve_followup("And his employer?", history, nothing_known).borrowed == "Lin Qingyuan"
    assert resolve_followup("asdfgh qwerty", history).borrowed == "Lin Qingyuan"  # without the index's vocabulary
