"""LLM answers end to end: real engine and index, real llama-index clients, real HTTP to stand-ins.

Every case of issue 6 runs against both the OpenAI-compatible and the Ollama stand-in, and each one
ends in a correct, cited answer (or a clear "not found"), with `mode` saying who wrote it.
"""

from __future__ import annotations

import json
import logging
import socket
from typing import Any

import pytest
from fake_llm_servers import Reply, sources_in, system_prompt, user_prompt
from llm_rig import API_KEY, HANG_TIMEOUT, TOP_K, LLMRig, assert_cited, llm_settings

from bot.answer import Answer

QUESTION = "How many Ascend 910B chips did ByteDance buy?"
BOUGHT = "100 ribu Ascend 910B"  # the Indonesian source tells it
SHIPPED = "H20"  # the English and Spanish sources tell how many Nvidia shipped


def source_number(body: dict[str, Any], needle: str) -> str:
    """The number citebot gave the source containing `needle` in this request's prompt."""
    return next(s["n"] for s in sources_in(body) if needle in s["text"])


def good_reply(body: dict[str, Any]) -> Reply:
    """A fluent, correctly cited answer written from the sources in the prompt."""
    bought, shipped = source_number(body, BOUGHT), source_number(body, SHIPPED)
    return Reply(f"ByteDance bought more than 100 thousand Ascend 910B chips [{bought}]. "
                 f"Nvidia, by comparison, shipped about 1 million H20 chips to China last year [{shipped}].")


GOOD_TEXT = ("ByteDance bought more than 100 thousand Ascend 910B chips [1]. "
             "Nvidia, by comparison, shipped about 1 million H20 chips to China last year [2].")


def run(llm: LLMRig, question: str = QUESTION) -> tuple[list[str], Answer]:
    """Stream an answer through a conversation: the text pieces, then the final Answer."""
    reply = llm.engine.conversation().ask(question)
    pieces = list(reply)
    assert all(isinstance(p, str) for p in pieces) and isinstance(reply.answer, Answer)
    return pieces, reply.answer


def assert_extractive_fallback(final: Answer) -> None:
    assert final.mode == "extractive"
    assert final.to_json()["mode"] == "extractive"
    assert_cited(final)


def test_good_answer_is_streamed_checked_and_cited(llm: LLMRig) -> None:
    llm.respond(good_reply)
    pieces, final = run(llm)
    assert final.mode == "llm" and final.to_json()["mode"] == "llm"
    assert final.text == GOOD_TEXT
    assert "".join(pieces) == final.text and len(pieces) >= 2  # sentence by sentence, as written
    assert_cited(final)
    first, second = final.citations
    assert first.file == "003_beaee59b89498f57.txt" and first.language == "id"
    assert BOUGHT in first.quote  # the matching sentence of the cited source, verbatim
    assert SHIPPED in second.quote
    body = llm.bodies[0]
    assert body["stream"] is True and body["model"] == "fake-model"
    sources = sources_in(body)
    assert [s["n"] for s in sources] == [str(n) for n in range(1, TOP_K + 1)]
    assert all(s["file"].endswith(".txt") and s["language"] for s in sources)
    assert "English" in system_prompt(body) and "{" not in system_prompt(body)
    assert user_prompt(body).rstrip().endswith(f"Question: {QUESTION}")


def test_answer_without_streaming(llm: LLMRig) -> None:
    llm.respond(good_reply)
    retrieval = llm.engine.retriever.retrieve(QUESTION)
    answer = llm.engine.synthesizer.synthesize(QUESTION, "en", retrieval)
    assert answer.mode == "llm" and answer.text == GOOD_TEXT
    assert_cited(answer)
    assert not llm.bodies[0].get("stream")


def test_answer_in_the_questions_language(llm: LLMRig) -> None:
    def spanish(body: dict[str, Any]) -> Reply:
        return Reply(f"ByteDance compró más de 100 mil chips Ascend 910B [{source_number(body, BOUGHT)}].")

    llm.respond(spanish)
    _, final = run(llm, "¿Cuántos chips Ascend 910B compró ByteDance?")
    assert "Spanish" in system_prompt(llm.bodies[0])
    assert final.mode == "llm" and final.language == "es"
    assert final.text == "ByteDance compró más de 100 mil chips Ascend 910B [1]."
    assert_cited(final)
    assert BOUGHT in final.citations[0].quote


def test_marker_naming_no_source_is_removed(llm: LLMRig) -> None:
    def cites_seven(body: dict[str, Any]) -> Reply:
        bought = source_number(body, BOUGHT)
        return Reply(f"ByteDance bought more than 100 thousand Ascend 910B chips [{bought}][7]. "
                     "Nvidia shipped a million chips to China [7].")

    llm.respond(cites_seven)
    pieces, final = run(llm)
    assert final.mode == "llm"
    assert "[7]" not in final.text and "[7]" not in "".join(pieces)
    # the claim citing only [7] is dropped: it names no source
    assert final.text == "ByteDance bought more than 100 thousand Ascend 910B chips [1]."
    assert_cited(final)
    assert len(final.citations) == 1 and BOUGHT in final.citations[0].quote


def test_reply_without_citations_falls_back(llm: LLMRig) -> None:
    llm.respond(Reply("ByteDance bought lots of chips. It was a big deal for Huawei."))
    pieces, final = run(llm)
    assert pieces == []  # nothing unchecked was shown
    assert_extractive_fallback(final)


def test_server_error_falls_back_without_retrying(llm: LLMRig) -> None:
    llm.respond(Reply(status=500))
    _, final = run(llm)
    assert_extractive_fallback(final)
    assert len(llm.server.requests) == 1


def test_hang_past_the_timeout_falls_back(llm: LLMRig, built_data_dir: Any,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.synthesizers import make_synthesizer

    settings = llm_settings(built_data_dir, llm.backend, llm.server.url, llm_timeout=HANG_TIMEOUT)
    monkeypatch.setattr(llm.engine, "synthesizer", make_synthesizer(settings, llm.engine.retriever))
    llm.respond(Reply("ByteDance bought chips [1].", hang=60))  # released when the server stops
    _, final = run(llm)
    assert_extractive_fallback(final)
    waited = final.timings_ms["synthesize"] / 1000
    assert HANG_TIMEOUT <= waited < HANG_TIMEOUT + 8  # gave up at the timeout, far from the 60 s hang


def test_malformed_stream_falls_back(llm: LLMRig) -> None:
    llm.respond(lambda body: Reply(good_reply(body).text, malformed=True))
    _, final = run(llm)
    assert_extractive_fallback(final)


def test_empty_reply_falls_back(llm: LLMRig) -> None:
    llm.respond(Reply(""))
    pieces, final = run(llm)
    assert pieces == []
    assert_extractive_fallback(final)


def test_model_saying_the_sources_do_not_answer_defers_to_extractive(llm: LLMRig) -> None:
    llm.respond(Reply("The documents do not say what the capital of Mongolia is."))
    _, final = run(llm, "What is the capital of Mongolia?")
    assert final.mode == "extractive"
    assert not final.answered and final.citations == [] and "[" not in final.text


def test_connection_refused_falls_back(llm: LLMRig, built_data_dir: Any,
                                       caplog: pytest.LogCaptureFixture) -> None:
    from bot.llm.synthesizer import make_llm_synthesizer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    settings = llm_settings(built_data_dir, llm.backend, dead, llm_timeout=HANG_TIMEOUT)
    extractive = llm.engine.synthesizer.extractive
    synth = make_llm_synthesizer(settings, extractive, extractive.lookup)
    retrieval = llm.engine.retriever.retrieve(QUESTION)
    with caplog.at_level(logging.WARNING, logger="bot.llm.synthesizer"):
        *pieces, final = synth.stream(QUESTION, "en", retrieval)
    assert pieces == [] and isinstance(final, Answer)
    assert_extractive_fallback(final)
    assert "Connect" in caplog.text and "no reply within" not in caplog.text  # refused at once, not timed out


def test_api_key_is_sent_but_never_logged(llm: LLMRig, caplog: pytest.LogCaptureFixture) -> None:
    llm.respond(good_reply)
    with caplog.at_level(logging.DEBUG):
        _, final = run(llm)
    assert final.mode == "llm"
    headers = {k.lower(): v for k, v in llm.server.requests[0]["headers"].items()}
    if llm.backend == "openai":
        assert headers["authorization"] == f"Bearer {API_KEY}"
    assert API_KEY not in caplog.text


def test_json_output_names_the_synthesizer(llm: LLMRig) -> None:
    llm.respond(good_reply)
    data = json.loads(json.dumps(llm.engine.answer(QUESTION).to_json()))
    assert data["mode"] == "llm" and [c["n"] for c in data["citations"]] == [1, 2]
    llm.respond(Reply(status=500))
    assert llm.engine.answer(QUESTION).to_json()["mode"] == "extractive"
