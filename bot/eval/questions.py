"""Question sets for `citebot eval`: the JSON Lines format of ../shared/eval/questions.jsonl.

One object per line: id, lang, question, expect_files (any of them counts as cited),
expect_facts (groups of alternatives; every group must appear in the answer), answerable, hard,
and optionally history: earlier questions of the same conversation, asked in order first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_REQUIRED = ("id", "question")


class QuestionFileError(ValueError):
    """A question file that cannot be read; the message names the line."""


@dataclass(frozen=True)
class EvalQuestion:
    """One scored question (the last turn of its conversation when it has a history)."""

    id: str
    lang: str
    question: str
    expect_files: tuple[str, ...] = ()
    expect_facts: tuple[tuple[str, ...], ...] = ()
    answerable: bool = True
    hard: bool = False
    history: tuple[str, ...] = field(default_factory=tuple)

    @property
    def kind(self) -> str:
        """'answer', 'decline' or 'decline-hard': what a correct reply does."""
        if self.answerable:
            return "answer"
        return "decline-hard" if self.hard else "decline"


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{what} must be a list of strings")
    return tuple(value)


def parse_question(data: Any) -> EvalQuestion:
    """One line's object as an EvalQuestion; ValueError naming the bad field."""
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    missing = [k for k in _REQUIRED if not data.get(k)]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    facts = data.get("expect_facts") or []
    if not isinstance(facts, list):
        raise ValueError("expect_facts must be a list of lists of strings")
    return EvalQuestion(
        id=str(data["id"]),
        lang=str(data.get("lang") or "?"),
        question=str(data["question"]),
        expect_files=_strings(data.get("expect_files") or [], "expect_files"),
        expect_facts=tuple(_strings(group, "each expect_facts group") for group in facts),
        answerable=_flag(data, "answerable", True),
        hard=_flag(data, "hard", False),
        history=_strings(data.get("history") or [], "history"),
    )


def _flag(data: dict, key: str, default: bool) -> bool:
    """A true/false field: a JSON boolean, not a string ("false" is a true value to bool())."""
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ValueError(f"{key} must be true or false, not {json.dumps(value)[:40]}")
    return value


def load_questions(path: Path) -> list[EvalQuestion]:
    """Every question in `path`; QuestionFileError with the line number on the first bad line."""
    questions: list[EvalQuestion] = []
    seen: set[str] = set()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise QuestionFileError(f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            question = parse_question(json.loads(line))
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            raise QuestionFileError(f"{path}, line {number}: {exc}") from None
        if question.id in seen:
            raise QuestionFileError(f"{path}, line {number}: duplicate id {question.id!r}")
        seen.add(question.id)
        questions.append(question)
    if not questions:
        raise QuestionFileError(f"{path} holds no questions")
    return questions
