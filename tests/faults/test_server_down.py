"""The Chroma server goes away while the bot runs (CHROMA_HOST mode).

Requirement: questions get a short "index unavailable" error within 5 s (the engine raises
IndexUnavailable, which front ends turn into their reply), and answers resume by themselves when the
server is back: same Engine object, no restart. Both a dead server (connection refused) and a hung
one (SIGSTOP: the port accepts but nothing answers) are covered.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fault_rig import CORPUS, ChromaServer, cli_env, free_port, no_traceback, run_citebot, settings_for

QUESTION = "Who is Lin Qingyuan?"
DEADLINE_S = 5.0


@dataclass
class Outcome:
    answer: Any = None
    error: BaseException | None = None
    seconds: float = 0.0
    finished: bool = False


def ask_within(engine: Any, question: str, seconds: float) -> Outcome:
    """Ask on a daemon thread and stop waiting after `seconds` (a hung call must not hang the suite)."""
    outcome = Outcome()

    def run() -> None:
        started = time.perf_counter()
        try:
            outcome.answer = engine.answer(question)
        except BaseException as exc:  # noqa: BLE001 - the test inspects whatever was raised
            outcome.error = exc
        outcome.seconds = time.perf_counter() - started
        outcome.finished = True

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds + 1.0)
    return outcome


@pytest.fixture
def server_engine(chroma_server: ChromaServer, tmp_path: Path):
    """An Engine over the Chroma server (default settings otherwise), already answering."""
    from bot.engine import Engine

    settings = settings_for(
        tmp_path / "data", CORPUS, chroma_host="127.0.0.1", chroma_port=chroma_server.port
    )
    engine = Engine(settings, build_if_missing=False)
    assert engine.answer(QUESTION).answered
    return engine


def _assert_unavailable(outcome: Outcome, port: int) -> None:
    from bot.engine import IndexUnavailable

    assert outcome.finished, f"no reply within {DEADLINE_S + 1:.0f} s: the question hangs"
    assert isinstance(outcome.error, IndexUnavailable), f"expected IndexUnavailable, got {outcome.error!r}"
    assert outcome.seconds < DEADLINE_S
    assert str(port) in str(outcome.error)


def test_stopped_server_gives_index_unavailable_within_5s(server_engine, chroma_server: ChromaServer) -> None:
    chroma_server.stop()
    for _ in range(3):  # every question, not only the one that happens to run the reload check
        _assert_unavailable(ask_within(server_engine, QUESTION, DEADLINE_S), chroma_server.port)


def test_hung_server_gives_index_unavailable_within_5s(server_engine, chroma_server: ChromaServer) -> None:
    chroma_server.pause()
    try:
        _assert_unavailable(ask_within(server_engine, QUESTION, DEADLINE_S), chroma_server.port)
    finally:
        chroma_server.resume()


def test_answers_resume_when_the_server_is_back(server_engine, chroma_server: ChromaServer) -> None:
    chroma_server.stop()
    down = ask_within(server_engine, QUESTION, 30)
    assert down.finished and down.error is not None, "a question with the server down must fail"
    chroma_server.start()  # same path, same port
    deadline = time.monotonic() + 30
    outcome = Outcome()
    while time.monotonic() < deadline:
        outcome = ask_within(server_engine, QUESTION, 10)
        if outcome.answer is not None:
            break
        time.sleep(0.5)
    assert outcome.answer is not None, f"answers did not resume within 30 s: {outcome.error!r}"
    assert outcome.answer.answered
    assert "004_93b1566d212200ce.txt" in {c.file for c in outcome.answer.citations} | {
        f for c in outcome.answer.citations for f in c.also_in
    }


def test_ask_without_a_server_exits_with_a_message(tmp_path: Path) -> None:
    port = free_port()  # nothing listens here
    env = cli_env(tmp_path / "data", CORPUS, CHROMA_HOST="127.0.0.1", CHROMA_PORT=str(port))
    started = time.perf_counter()
    result = run_citebot(["ask", QUESTION], env, tmp_path, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "not reachable" in result.stderr and str(port) in result.stderr
    assert no_traceback(result.stdout, result.stderr)
    assert time.perf_counter() - started < 30
