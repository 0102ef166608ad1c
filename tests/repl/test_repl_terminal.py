"""`citebot chat` on a pseudo-terminal, the way a person uses it: prompt, answer, Ctrl-C, Ctrl-D, history."""

from __future__ import annotations

import re
from pathlib import Path

from prompt_toolkit.history import FileHistory
from repl_helpers import CITEBOT, citebot_env

from bot.repl.input import history_path

PROMPT = "citebot> "
CTRL_C, CTRL_D, UP, ENTER = "\x03", "\x04", "\x1b[A", "\r"


def test_question_gets_an_answer_and_is_saved_to_history(terminal, private_data_dir: Path, engine) -> None:
    question = "Who is Dylan Patel?"
    cited = engine.answer(question).citations[0]
    term = terminal([*CITEBOT, "chat"], citebot_env(private_data_dir))
    term.expect(r"ready in \d+\.\d s", timeout=60)
    term.expect(re.escape(PROMPT))

    term.send(question + ENTER)
    term.expect(re.escape(f"[1] {cited.file} ({cited.language}), {cited.location}  score {cited.score:.2f}"))
    term.expect(re.escape(PROMPT))  # ready for the next question
    assert b"\x1b[" in term.raw and "\x1b" not in term.text  # styled on a terminal

    term.send(CTRL_D)
    assert term.wait(timeout=20) == 0
    assert f"\n+{question}\n" in history_path(private_data_dir).read_text(encoding="utf-8")
    assert history_path(private_data_dir).stat().st_mode & 0o077 == 0  # private, like the manifest


def test_ctrl_c_cancels_the_line_and_history_carries_over(terminal, private_data_dir: Path) -> None:
    FileHistory(str(history_path(private_data_dir))).append_string("/sources")  # from an earlier session
    term = terminal([*CITEBOT, "chat"], citebot_env(private_data_dir))
    term.expect(re.escape(PROMPT), timeout=60)

    term.send("half-typed question")
    term.expect("half-typed question")
    term.send(CTRL_C)
    term.expect(re.escape(PROMPT))  # a fresh prompt, not an exit
    term.settle(0.3)
    assert term.proc.poll() is None

    term.send(UP + ENTER)  # recalls /sources from the file, not the cancelled line
    term.expect(r"5 documents, \d+ chunks in ")
    term.expect(re.escape(PROMPT))
    term.send("/quit" + ENTER)
    assert term.wait(timeout=20) == 0
    saved = history_path(private_data_dir).read_text(encoding="utf-8")
    assert "half-typed" not in saved
    assert saved.count("\n+/sources\n") == 1  # a recalled line is not stored twice
