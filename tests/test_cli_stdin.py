"""`citebot ask -` over odd input lines: a line that is not UTF-8 gets its own error (never a mangled
question answered with an unrelated quote), every JSON line has the same keys, and terminal escape
sequences in a question are removed whole."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITEBOT = str(Path(sys.executable).parent / "citebot")
ANSWER_KEYS = {"question", "answer", "answered", "language", "citations", "mode", "timings_ms"}


def _run(args: list[str], data_dir: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHROMA_", "CITEBOT_"))}
    env.update(CITEBOT_DATA_DIR=str(data_dir), CITEBOT_CORPUS=str(ROOT / "corpus"), PYTHONUTF8="1")
    return subprocess.run([CITEBOT, *args], input=stdin, capture_output=True, env=env, timeout=120, cwd=ROOT)


def test_a_line_that_is_not_utf8_gets_an_error_and_the_rest_are_answered(private_data_dir: Path) -> None:
    lines = [b"Who is Dylan Patel?", "\u00e9t\u00e9 caf\u00e9?".encode("latin-1"), b"",
             "¿Qué modelo lanzó DeepSeek?".encode()]
    result = _run(["ask", "--json", "-"], private_data_dir, stdin=b"\n".join(lines) + b"\n")
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert b"Traceback" not in result.stderr
    out = result.stdout.decode("utf-8").split("\n")
    assert out[-1] == "" and len(out) == len(lines) + 1  # one JSON line per input line
    objects = [json.loads(line) for line in out[:-1]]
    assert objects[0]["answered"] is True and "error" not in objects[0]
    latin = objects[1]
    assert latin["answered"] is False and latin["citations"] == []
    assert "UTF-8" in latin["error"] and latin["answer"] == latin["error"]
    assert latin["question"] == "\\xe9t\\xe9 caf\\xe9?"  # the bytes shown, not replacement characters
    assert "\ufffd" not in out[1]
    assert objects[2]["answered"] is False and objects[2]["error"]  # the blank line, as before
    assert objects[3]["answered"] is True and "V3" in objects[3]["answer"]


def test_error_lines_have_the_keys_answers_have(private_data_dir: Path) -> None:
    lines = [b"Who is Dylan Patel?", b"", b"why " * 2000, b"caf\xe9?"]
    result = _run(["ask", "--json", "-"], private_data_dir, stdin=b"\n".join(lines) + b"\n")
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    objects = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert len(objects) == len(lines)
    assert set(objects[0]) == ANSWER_KEYS
    for error in objects[1:]:
        assert set(error) == ANSWER_KEYS | {"error"}
        assert error["language"] is None and error["mode"] == "extractive" and "total" in error["timings_ms"]


def test_text_mode_reports_the_bad_line_and_goes_on(private_data_dir: Path) -> None:
    stdin = b"caf\xe9?\nWho is Dylan Patel?\n"
    result = _run(["ask", "-"], private_data_dir, stdin=stdin)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    out = result.stdout.decode("utf-8")
    assert "UTF-8" in out.splitlines()[0]
    assert "\ufffd" not in out and "Dylan Patel" in out


def test_crlf_and_lone_cr_line_ends_still_split_lines(private_data_dir: Path) -> None:
    result = _run(["ask", "--json", "-"], private_data_dir, stdin=b"Who is Dylan Patel?\r\n\rcaf\xc3\xa9?\r\n")
    objects = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert [o["question"] for o in objects] == ["Who is Dylan Patel?", "", "café?"]


ESCAPED = "What \x1b[31mcolour\x1b]0;OWNED\x07 is it?"


def test_escape_sequences_are_removed_whole_from_a_question() -> None:
    """Only the ESC byte went, "[31m" and "]0;OWNED" stayed in the question and hurt retrieval (sweep of
    2026-12-03); a lone control character still becomes a space."""
    from bot.engine import clean_question

    assert clean_question(ESCAPED, 1000) == "What colour is it?"
    assert clean_question("\x1b[1mbold\x1b[0m claim?", 1000) == "bold claim?"
    assert clean_question("a\x00b?", 1000) == "a b?"


def test_a_question_of_punctuation_only_is_asked_for_again_not_searched() -> None:
    """"?!?..." and "¿¡" were searched and answered "not found in the documents" (sweep of 2026-12-03): like an
    empty line, they hold nothing to look for."""
    import pytest

    from bot.engine import QuestionRejected, clean_question

    for text in ("?!?...", "¿¡", " - ", "\x1b[31m?"):
        with pytest.raises(QuestionRejected, match="Please type a question"):
            clean_question(text, 1000)
    assert clean_question("¿Qué?", 1000) == "¿Qué?" and clean_question("H20?", 1000) == "H20?"


def test_ask_echoes_the_question_without_escape_remnants(private_data_dir: Path) -> None:
    result = _run(["ask", "--json", ESCAPED], private_data_dir)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert json.loads(result.stdout)["question"] == "What colour is it?"
