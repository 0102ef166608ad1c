"""Engine.conversation(): the history a chat keeps, and what a Reply hands back (on the real engine)."""

from __future__ import annotations

import pytest

from bot.engine import QuestionRejected

QUESTION = "What did ByteDance decide about Nvidia?"
FOLLOW_UP = "And how many did they buy?"


def test_a_conversation_keeps_its_last_turns_and_reset_forgets_them(engine) -> None:
    conversation = engine.conversation(keep=2)
    for question in (QUESTION, "Who bought the Ascend chips?", FOLLOW_UP):
        assert conversation.ask(question).answer.question == question
    assert [t.question for t in conversation.history] == ["Who bought the Ascend chips?", FOLLOW_UP]
    follow_up = conversation.history[-1].answer
    assert follow_up.standalone_question != FOLLOW_UP  # read against the turn before it
    conversation.reset()
    assert conversation.history == ()
    assert engine.conversation(keep=0).ask(QUESTION).answer.answered


def test_a_rejected_question_fails_at_once_and_is_not_remembered(engine) -> None:
    conversation = engine.conversation()
    with pytest.raises(QuestionRejected):
        conversation.ask("   \x00 ")
    with pytest.raises(QuestionRejected):
        conversation.ask("x" * (engine.settings.max_question_chars + 1))
    assert conversation.history == ()


def test_a_reply_gives_the_answer_and_the_passages_it_was_made_from(engine) -> None:
    reply = engine.conversation().ask(f"  {QUESTION}\u200b ")
    assert list(reply) == []  # extractive: no streamed text
    answer = reply.answer
    assert reply.question == QUESTION and answer.question == QUESTION  # cleaned once, by the engine
    assert answer.text == engine.answer(QUESTION).text
    assert answer.answered and reply.retrieval.passages  # what eval scores hit@k on
    assert reply.retrieval.query == answer.standalone_question  # the retrieval this answer was made from


def test_an_unfinished_reply_is_not_remembered(engine) -> None:
    conversation = engine.conversation()
    reply = conversation.ask(QUESTION)
    reply.close()
    assert conversation.history == ()
    with pytest.raises(RuntimeError):
        _ = reply.answer


@pytest.mark.parametrize("question, language", [("Who?", "en"), ("What is it?", "en"), ("Why?", "en"),
                                                ("¿Qué?", "es"), ("Apa itu?", "id")])
def test_a_question_of_function_words_alone_is_declined_unless_a_conversation_gives_it_a_subject(
        engine, question: str, language: str) -> None:
    """Asked alone, "Who?" or "What is it?" names nothing to look for: every candidate scored alike and one was
    quoted at random (the sweep of 2026-12-03). Declined in the question's language; after a question it
    borrows that question's subject and is answered."""
    alone = engine.answer(question)
    assert not alone.answered and not alone.citations and alone.language == language
    conversation = engine.conversation()
    assert conversation.ask(QUESTION).answer.answered
    if language == "en":
        follow_up = conversation.ask(question).answer
        assert follow_up.standalone_question != question and follow_up.answered


@pytest.mark.parametrize("question, unknown_share, expected", [
    ("asdfgh qwerty", 1.0, True),  # no word indexed, no language in its words: nothing to look for
    ("Quem foi eleito tesoureiro?", 1.0, False),  # Portuguese: an English file may answer; the calibrator decides
    ("Nvidia H20?", 0.0, False),
    ("What is it?", 0.0, True),  # function words only
    ("Who is Will?", 0.0, False),  # "will" is a function word, but here a name
])
def test_what_gives_retrieval_nothing_to_look_for(engine, question: str, unknown_share: float,
                                                   expected: bool) -> None:
    from bot.followup import Resolved

    assert engine.nothing_to_look_for(question, Resolved(question, question), unknown_share) is expected
