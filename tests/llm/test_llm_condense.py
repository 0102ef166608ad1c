"""Follow-ups with an LLM: the condense prompt rewrites them into standalone questions over real HTTP."""

from __future__ import annotations

from typing import Any

from fake_llm_servers import Reply, sources_in, user_prompt
from llm_rig import LLMRig, assert_cited

from bot.answer import Answer, Citation, Turn
from bot.llm.synthesizer import clean_standalone, format_history

STANDALONE = "How many Ascend 910B chips did ByteDance buy?"
FOLLOW_UP = "And how many did they buy?"
FIRST = "Which company bought Huawei's Ascend 910B chips?"
HISTORY = [Turn(FIRST, Answer(FIRST, "ByteDance bought them [1].", True, "en",
                              [Citation(1, "003_beaee59b89498f57.txt", "id", "q", "paragraph 9", 0.9)]))]


def is_condense(body: dict[str, Any]) -> bool:
    return "Follow-up question:" in user_prompt(body)


def scripted(condensed: Reply) -> Any:
    """The condense request gets `condensed`; the answer request a cited answer."""
    def respond(body: dict[str, Any]) -> Reply:
        if is_condense(body):
            return condensed
        n = next((s["n"] for s in sources_in(body) if "100 ribu Ascend 910B" in s["text"]), "1")
        return Reply(f"They bought more than 100 thousand Ascend 910B chips [{n}].")
    return respond


def test_follow_up_is_condensed_then_answered(llm: LLMRig) -> None:
    llm.respond(scripted(Reply(f"Standalone question: {STANDALONE}")))
    answer = llm.engine.answer(FOLLOW_UP, HISTORY)
    condense, qa = llm.bodies
    assert is_condense(condense) and not is_condense(qa)
    prompt = user_prompt(condense)
    assert HISTORY[0].question in prompt and "ByteDance bought them." in prompt and FOLLOW_UP in prompt
    assert answer.standalone_question == STANDALONE  # retrieval ran on the condensed question
    assert user_prompt(qa).rstrip().endswith(f"Question: {STANDALONE}")
    assert answer.mode == "llm" and answer.question == FOLLOW_UP
    assert_cited(answer)


def test_failed_condense_falls_back_to_the_heuristic(llm: LLMRig) -> None:
    llm.respond(scripted(Reply(status=500)))
    answer = llm.engine.answer(FOLLOW_UP, HISTORY)
    assert answer.standalone_question != STANDALONE and FOLLOW_UP in answer.standalone_question
    assert user_prompt(llm.bodies[-1]).rstrip().endswith(f"Question: {answer.standalone_question}")
    assert answer.mode == "llm"
    assert_cited(answer)


def test_no_condense_without_history(llm: LLMRig) -> None:
    llm.respond(scripted(Reply(STANDALONE)))
    llm.engine.answer(STANDALONE)
    assert not any(is_condense(b) for b in llm.bodies)


def test_clean_standalone() -> None:
    assert clean_standalone('"How many chips?"\n\nExplanation: ...', "and how many?") == "How many chips?"
    assert clean_standalone("<think>who is he?</think>Question: Who is Lin Qingyuan? [1]", "who?") == \
        "Who is Lin Qingyuan?"
    assert clean_standalone("   \n", "and?") is None
    assert clean_standalone("x" * 400, "and?") is None


def test_history_is_short_and_unmarked() -> None:
    turns = [Turn(f"q{i}", Answer(f"q{i}", f"answer {i} [1]. " + "y" * 1000, True, "en")) for i in range(5)]
    text = format_history(turns)
    assert "q0" not in text and "q2" in text and "q4" in text and "[1]" not in text
    assert max(len(line) for line in text.splitlines()) < 450
