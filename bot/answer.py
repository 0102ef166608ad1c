"""The answer as every front end receives it: text with [n] markers and the citations behind them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Citation:
    """One cited source: the quoted sentence(s) and where a reader finds them."""

    n: int
    file: str
    language: str
    quote: str
    location: str
    score: float
    also_in: list[str] = field(default_factory=list)
    passage: str = ""  # the whole retrieved chunk, for "show me more"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("passage")
        data["score"] = round(self.score, 3)
        return data


@dataclass
class Answer:
    """A reply to one question; `answered` is False when the documents do not answer it."""

    question: str
    text: str
    answered: bool
    language: str
    citations: list[Citation] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    mode: str = "extractive"
    standalone_question: str = ""  # the question after follow-up resolution
    subject: str = ""  # what a follow-up borrowed from the turns before ("Lin Qingyuan"): the next one keeps it

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question, "answer": self.text, "answered": self.answered, "language": self.language,
            "citations": [c.to_json() for c in self.citations], "mode": self.mode,
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }


@dataclass(frozen=True)
class Turn:
    """One exchange of a conversation, as the engine needs it to resolve follow-ups."""

    question: str
    answer: Answer
