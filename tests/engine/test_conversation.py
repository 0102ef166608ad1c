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
