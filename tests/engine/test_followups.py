"""Follow-up questions are resolved against the conversation, without an LLM."""

from __future__ import annotations

from bot.answer import Answer, Citation, Turn
from bot.engine import Engine
from bot.followup import is_followup, resolve_followup, subject_terms


def _turn(question: str, quote: str = "") -> Turn:
    citations = [Citation(1, "x.txt", "en", quote, "paragraph 1", 0.9)] if quote else []
    return Turn(question, Answer(question, quote, bool(quote), "en", citations))


def test_subject_terms_are_names_and_numbers() -> None:
    assert subject_terms("Who is Lin Qingyuan?") == ["Lin Qingyuan"]
    assert "910B" in subject_terms("How many 910B chips did ByteDance buy?")
    assert "ByteDance" in subject_terms("How many 910B chips did ByteDance buy?")


def test_pronoun_questions_borrow_the_previous_subject() -> None:
    resolved = resolve_followup("And what did he say about training?", [_turn("Who is Lin Qingyuan?")])
    assert resolved.borrowed == "Lin Qingyuan"
    assert "Lin Qingyuan" in resolved.dense_query and "training" in resolved.lexical_query


def test_followups_in_other_languages() -> None:
    assert resolve_followup("¿Y dónde trabaja él?", [_turn("¿Quién es Georgios Zacharopoulos?")]).borrowed \
        == "Georgios Zacharopoulos"
    assert resolve_followup("Berapa banyak chip yang mereka beli?", [_turn("Apa yang dibeli ByteDance?")]).borrowed \
        == "ByteDance"
    assert resolve_followup("E o que ele disse?", [_turn("Quem é Lin Qingyuan?")]).borrowed == "Lin Qingyuan"


def test_subject_falls_back_to_the_previous_answer() -> None:
    history = [_turn("Who outsold whom?", "Nvidia sold twice as many chips as Huawei with its Ascend 910B.")]
    assert "910B" in resolve_followup("And how many did it ship?", history).borrowed


def test_self_contained_questions_are_left_alone() -> None:
    history = [_turn("Who is Lin Qingyuan?")]
    question = "Which Huawei chip did Nvidia outsell two to one in China?"
    assert not is_followup(question)
    assert resolve_followup(question, history).dense_query == question
    assert resolve_followup("And what did he say?", []).dense_query == "And what did he say?"


def test_engine_answers_a_followup_about_the_person_asked_before(engine: Engine) -> None:
    first = engine.answer("Who is Lin Qingyuan?")
    assert "lin qingyuan" in first.text.lower()
    follow = engine.answer("And what did he say about training?", [Turn("Who is Lin Qingyuan?", first)])
    assert follow.answered
    assert "Lin Qingyuan" in follow.standalone_question
    assert "train" in follow.citations[0].quote.lower()
    # the cited sentence is Lin's (his paragraph), not the other researcher's quote about training
    assert "zacharopoulos" not in follow.citations[0].quote.lower()


def test_a_followup_is_answered_with_what_it_asks_not_the_previous_quote(engine: Engine) -> None:
    """The borrowed subject chooses which sentences may answer; the follow-up's own words rank them. Ranked
    by the vector of "question + subject", the sentence quoted the turn before (it names the subject) led
    the follow-up's answer again."""
    cases = [("Who is Lin Qingyuan?", "And what did he say about training?", "smaller tasks"),
             ("Model apa yang dirilis DeepSeek bulan lalu?", "Dan apa yang dilakukan Huawei dengan model itu?",
              "menyesuaikan")]
    for first_question, question, fact in cases:
        first = engine.answer(first_question)
        follow = engine.answer(question, [Turn(first_question, first)])
        assert follow.standalone_question != question  # it did borrow the subject
        assert fact in follow.text.lower(), follow.text
        assert follow.text != first.text


def test_engine_keeps_the_subject_across_languages(engine: Engine) -> None:
    first = engine.answer("¿Quién es Georgios Zacharopoulos?")
    follow = engine.answer("¿Y dónde trabaja?", [Turn("¿Quién es Georgios Zacharopoulos?", first)])
    assert follow.answered and follow.language == "es"
    assert "zurich" in follow.text.lower()
