"""What one `citebot eval` run produced, shared by the runner and the renderer (neither imports the other)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.eval.metrics import QuestionResult, Totals


@dataclass
class EvalReport:
    """Everything one eval run measured."""

    questions_file: str
    results: list[QuestionResult]
    overall: Totals
    by_language: dict[str, Totals]
    engine: dict[str, Any]
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {
            "questions_file": self.questions_file,
            "engine": self.engine,
            "seconds": round(self.seconds, 2),
            "totals": self.overall.to_json(),
            "by_language": {lang: t.to_json() for lang, t in self.by_language.items()},
            "results": [r.to_json() for r in self.results],
        }
