"""`citebot chat` with questions on a pipe: plain output a script can read, every command, history.

One scripted session runs once for this module; the tests below each check one part of its output
against what the engine itself answers for the same questions (so they follow the engine's changes).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from repl_helpers import run_piped

from bot.answer import Turn
from bot.prompts import load_prompt

FOUND = "What did ByteDance decide about Nvidia?"
NOT_FOUND = "What is the capital of Mongolia?"
SCRIPT = [
    "/help",
    FOUND,
    "/show 1",
    "/show 99",
    "/show ²",  # isdigit() but not int(): a traceback ended the chat (sweep of 2026-12-03)
    "/show " + "9" * 5000,  # beyond int()'s digit limit, the same
    "/sources",
    "",
    NOT_FOUND,
    "/show 1",
    "/nonsense",
    "/quit",
    "/after-quit",
]


@pytest.fixture(scope="module")
def transcript(built_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess:
    work = tmp_path_factory.mktemp("repl-piped")
    shutil.copytree(built_data_dir, work / "data")
    return run_piped(SCRIPT, work / "data", cwd=work)


def test_exits_cleanly_with_plain_output(transcript: subprocess.CompletedProcess) -> None:
    assert transcript.returncode == 0, transcript.stderr
    assert "\x1b" not in transcript.stdout
    assert re.search(r"ready in \d+\.\d s: 5 documents, \d+ chunks", transcript.stderr)
    assert "Traceback" not in transcript.stderr


def test_help_lists_the_commands(transcript: subprocess.CompletedProcess) -> None:
    assert transcript.stdout.startswith(load_prompt("help"))
    assert load_prompt("repl_help") in transcript.stdout
    for command in ("/sources", "/show N", "/reset", "/quit"):
        assert command in load_prompt("repl_help")


def test_answer_has_numbered_sources_with_scores(transcript: subprocess.CompletedProcess, engine) -> None:
    expected = engine.answer(FOUND)
    assert expected.answered and expected.citations, "pick a FOUND question the documents answer"
    out = transcript.stdout
    assert f"\n{expected.text}\n\n" in out
    for c in expected.citations:
        assert f"\n[{c.n}] {c.file} ({c.language}), {c.location}  score {c.score:.2f}\n" in out
        assert f'\n    "{c.quote}"\n' in out
        if c.also_in:
            assert f"\n    also in {', '.join(c.also_in)}\n" in out


def test_show_prints_the_whole_passage(transcript: subprocess.CompletedProcess, engine) -> None:
    cited = engine.answer(FOUND).citations[0]
    assert len(cited.passage) > len(cited.quote)
    out = transcript.stdout
    shown = out.index(f"[1] {cited.file} ({cited.language}), {cited.location}\n\n{cited.passage}\n")
    assert shown > out.index(cited.quote)  # after the answer it belongs to
    assert "The last answer has no source [99]; its sources are 1" in out
    assert out.count("usage: /show N, where N is a source number") == 2  # "²" and 5000 nines, and it went on


def test_sources_lists_documents_and_chunks(transcript: subprocess.CompletedProcess, engine) -> None:
    sources = engine.documents()
    assert len(sources) == 5
    for s in sources:
        row = rf"^{re.escape(s.file)}\s+{s.language}\s+{s.chunks}\s+{s.tokens}$"
        assert re.search(row, transcript.stdout, re.M)
    assert f"5 documents, {sum(s.chunks for s in sources)} chunks in " in transcript.stdout


def test_not_found_question(transcript: subprocess.CompletedProcess, engine) -> None:
    expected = engine.answer(NOT_FOUND)
    assert not expected.answered
    after = transcript.stdout.split(f"\n{expected.text}\n", 1)[1]
    assert after.lstrip().startswith("There are no sources to show yet")  # /show after a not-found reply


def test_unknown_command_and_quit(transcript: subprocess.CompletedProcess) -> None:
    assert "unknown command /nonsense; /help lists the commands" in transcript.stdout
    assert "/after-quit" not in transcript.stdout  # nothing is read after /quit


def test_follow_up_uses_history_and_reset_forgets_it(private_data_dir: Path, tmp_path: Path, engine) -> None:
    first, follow_up = "Who is Dylan Patel?", "What did he say?"
    a1 = engine.answer(first)
    with_history = engine.answer(follow_up, [Turn(first, a1)]).text
    cold = engine.answer(follow_up).text
    assert with_history != cold, "pick a follow-up whose answer depends on the conversation"

    result = run_piped([first, follow_up, "/reset", follow_up], private_data_dir, cwd=tmp_path)  # ends at EOF

    assert result.returncode == 0, result.stderr
    before, after = result.stdout.split("Conversation cleared; the next question starts fresh.")
    assert with_history in before.split(a1.text, 1)[1]  # the follow-up, read with the first question
    assert cold in after and with_history not in after
