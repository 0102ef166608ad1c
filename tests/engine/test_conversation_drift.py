"""Issue 10, items 10 and 11: nonsense after a conversation is declined, and a question is answered in
its own language, whatever the conversation's language was."""

from __future__ import annotations

import pytest

from bot.answer import Turn
from bot.engine import Engine
from bot.prompts import not_found_message
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


@pytest.mark.parametrize(("question", "language"), [
    ("Care este rata de admitere pentru promoția 2019?", "ro"),  # XQuAD's Romanian: read as French before
    ("Cine a trimis ingineri pentru a ajuta clienții să migreze de la Nvidia?", "ro"),
    ("Jaki jest główny produkt firmy Huawei?", "pl"),
    ("Кто основал компанию Huawei?", "ru"),  # no listed language likely: the unlisted one, not the fallback
])
def test_a_question_in_a_language_outside_the_list_gets_its_own_code(question: str, language: str) -> None:
    """CITEBOT_LANGUAGES lists the documents' candidate languages; a question in another one was read as the
    nearest listed one (Romanian as English, French or Italian), so English sentences counted as same-language."""
    for fallback in ("en", "pt"):
        assert question_language(question, LANGUAGES, fallback=fallback) == language


@pytest.mark.parametrize(("question", "language"), [
    ("What are malum prohibitum considerations?", "en"),  # read as Latin at 0.94 by the unrestricted detector
    ("Siapa yang memberikan pelaporan tambahan dari Hong Kong?", "id"),  # Malay is its likeliest unlisted one
    ("Qual é o gargalo dos chips Ascend?", "pt"),  # and Galician this one's
])
def test_a_listed_language_is_not_taken_for_a_neighbour_outside_the_list(question: str, language: str) -> None:
    assert question_language(question, LANGUAGES, fallback="en") == language


def test_a_question_in_an_unlisted_language_is_answered_across_languages(engine: Engine) -> None:
    """A Romanian question about the bundled news (English, Spanish, Portuguese, Indonesian): none of its words
    is in any document. Read as English, its words all unknown and its language "undetectable" among the listed
    ones, it was declined as gibberish (bot/engine.py: nothing_to_look_for), or ranked as an English question."""
    answer = engine.answer("De ce sunt îngrijorate companiile chineze în privința cipurilor Nvidia?")
    assert answer.language == "ro"
    assert answer.answered and answer.citations
    off_topic = engine.answer("Care este capitala Australiei?")
    assert off_topic.language == "ro" and not off_topic.answered
    assert off_topic.text == not_found_message("ro") != not_found_message("en")  # said in the question's language
