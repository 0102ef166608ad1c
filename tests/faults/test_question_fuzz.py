"""The question path fuzzed: whatever a user types, the engine replies or refuses clearly.

`Engine.answer` must return an Answer or raise QuestionRejected (whose message is the reply); no other
exception. Inputs: empty, whitespace, control and direction characters, emoji, right-to-left text,
mixed scripts, 100k characters, lone surrogates (what Python makes of undecodable argv bytes).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from fault_rig import CORPUS, cli_env, no_traceback, run_citebot
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

RTL = "هل باعت إنفيديا رقائق H20 في الصين؟ שאלה על Huawei Ascend 910B \u200f\u202e"
MIXED = "Huawei 华为 Хуавей हुआवेई ファーウェイ 910B H20 $12 billion Lin Qingyuan ¿quién? siapa"
EMOJI = "🤖🔥 chips?? 👩‍💻🇨🇳🇺🇸 💾"
CONTROL = "".join(chr(c) for c in range(0, 32)) + "\x7f\x85\u2028\u2029\ufeff\u200b"

_pieces = st.sampled_from([RTL, MIXED, EMOJI, CONTROL, "Who is Lin Qingyuan?", " ", "\n", "\t", "?"])
questions = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Mn"]), max_size=80),
    st.text(alphabet=st.sampled_from(sorted(set(RTL + MIXED + EMOJI + CONTROL))), max_size=400),
    st.lists(_pieces, max_size=12).map("".join),
    st.tuples(st.text(min_size=1, max_size=4), st.integers(200, 30_000)).map(lambda t: t[0] * t[1]),
)
_MARKER = re.compile(r"\[(\d+)\]")


def check_reply(engine, question: str, history=()) -> None:
    """An Answer that keeps the contract, or a QuestionRejected with a message; nothing else."""
    from bot.answer import Answer
    from bot.engine import QuestionRejected

    try:
        answer = engine.answer(question, history)
    except QuestionRejected as exc:
        assert str(exc).strip(), "a refusal must say why"
        return
    assert isinstance(answer, Answer)
    assert answer.text.strip()
    if answer.answered:
        numbers = {c.n for c in answer.citations}
        assert numbers, "an answer must cite"
        assert {int(n) for n in _MARKER.findall(answer.text)} <= numbers
    else:
        assert not answer.citations


FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(question=questions)
@example(question="")
@example(question="   \n\t  ")
@example(question=CONTROL)
@example(question=EMOJI)
@example(question=RTL)
@example(question=MIXED)
@example(question="x" * 100_000)
@example(question=("Lin Qingyuan 华为 " * 7000)[:100_000])
@example(question="\x00Who is Lin Qingyuan?\x00")
def test_any_question_gets_a_reply_or_a_clear_refusal(engine, question: str) -> None:
    check_reply(engine, question)


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(first=questions, follow=questions)
def test_any_follow_up_gets_a_reply_or_a_clear_refusal(engine, first: str, follow: str) -> None:
    """Follow-up resolution borrows from the previous turn, whatever that turn was."""
    from bot.answer import Turn
    from bot.engine import QuestionRejected

    try:
        previous = engine.answer(first)
    except QuestionRejected:
        previous = engine.answer("Who is Lin Qingyuan?")
    check_reply(engine, follow, [Turn(first, previous)])


def test_undecodable_bytes_get_a_reply_or_a_clear_refusal(engine) -> None:
    """Invalid UTF-8 in argv or stdin reaches Python as lone surrogates (surrogateescape)."""
    check_reply(engine, "\udcff\udcfe Ascend 910B")


def test_cli_answers_every_odd_line_without_a_traceback(tmp_path: Path, built_data_dir: Path) -> None:
    """`citebot ask --json -` keeps going over odd input: one JSON object per non-empty line."""
    lines = [RTL, MIXED, EMOJI, "\x01\x02\x03", "y" * 100_000, "¿Quién es Lin Qingyuan?"]
    result = run_citebot(
        ["ask", "--json", "-"],
        cli_env(built_data_dir, CORPUS),
        tmp_path,
        timeout=120,
        stdin="\n".join(lines) + "\n",
    )
    _check_lines(result, lines)


def test_cli_survives_invalid_utf8_on_stdin(tmp_path: Path, built_data_dir: Path) -> None:
    """A questions file in Latin-1 piped to `citebot ask --json -`: a reply per line, no traceback."""
    raw = "¿Quién es Lin Qingyuan?\nQuem é Lin Qingyuan?\n".encode("latin-1")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", "--json", "-"],
        input=raw,
        env=cli_env(built_data_dir, CORPUS),
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
    )
    out, err = result.stdout.decode("utf-8", "replace"), result.stderr.decode("utf-8", "replace")
    assert result.returncode == 0, err[-2000:]
    assert no_traceback(out, err)
    assert len([line for line in out.splitlines() if line.strip()]) == 2


def _check_lines(result: subprocess.CompletedProcess[str], lines: list[str]) -> None:
    assert result.returncode == 0, result.stderr[-2000:]
    assert no_traceback(result.stdout, result.stderr)
    replies = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert len(replies) == len(lines)
    assert all(reply["answer"].strip() for reply in replies)
    assert replies[-1]["answered"] is True
