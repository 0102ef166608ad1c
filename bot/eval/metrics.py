"""Scoring one reply against its expectations, and the totals `citebot eval` reports.

The rules match ../shared/eval/score.py, so the two never disagree: a fact group is found when any of
its alternatives occurs in the answer text (case-insensitive); a file counts as cited when it is a
citation's file or in its `also_in`; an off-topic question is declined when the answer is marked not
answered and carries no citations. Retrieval is scored on the ranked passages the engine actually used.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from bot.answer import Answer
from bot.eval.questions import EvalQuestion


@dataclass
class QuestionResult:
    """What happened to one question, with the figures the totals are built from."""

    id: str
    lang: str
    kind: str  # answer | decline | decline-hard
    question: str
    turns: int  # 1 + earlier questions of the conversation
    answer: str
    answered: bool
    cited: list[str]
    retrieved: list[str]  # files of the ranked passages, best first
    latency_ms: float
    facts_found: bool | None = None  # None for questions that must be declined
    missing_facts: list[list[str]] = field(default_factory=list)
    file_cited: bool | None = None
    rank: int | None = None  # 1-based rank of the first passage from an expected file
    declined: bool | None = None  # None for answerable questions
    rejected: str = ""  # the QuestionRejected message, when the engine refused the question
    error: str = ""  # an unexpected exception the engine raised ("ValueError: ...")

    @property
    def chars(self) -> int:
        return len(self.answer)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["chars"] = self.chars
        data["latency_ms"] = round(self.latency_ms, 1)
        return data


def cited_files(answer: Answer) -> list[str]:
    """Every file an answer cites, directly or as `also_in`, by base name."""
    files: dict[str, None] = {}
    for citation in answer.citations:
        for name in (citation.file, *citation.also_in):
            files[os.path.basename(name)] = None
    return list(files)


def missing_fact_groups(text: str, groups: Iterable[Sequence[str]]) -> list[list[str]]:
    """The expected fact groups of which no alternative occurs in `text`."""
    lowered = text.lower()
    return [list(group) for group in groups if not any(alt.lower() in lowered for alt in group)]


def first_rank(retrieved: Sequence[str], expected: Iterable[str]) -> int | None:
    """1-based rank of the first retrieved file that is expected; None when none is."""
    wanted = {os.path.basename(f) for f in expected}
    for rank, name in enumerate(retrieved, start=1):
        if os.path.basename(name) in wanted:
            return rank
    return None


def score(question: EvalQuestion, answer: Answer, retrieved: list[str], latency_ms: float) -> QuestionResult:
    """Score one reply to `question`."""
    cited = cited_files(answer)
    result = QuestionResult(
        id=question.id,
        lang=question.lang,
        kind=question.kind,
        question=question.question,
        turns=1 + len(question.history),
        answer=answer.text,
        answered=answer.answered,
        cited=cited,
        retrieved=retrieved,
        latency_ms=latency_ms,
    )
    if question.answerable:
        result.missing_facts = missing_fact_groups(answer.text, question.expect_facts)
        result.facts_found = answer.answered and not result.missing_facts
        result.file_cited = bool(set(cited) & {os.path.basename(f) for f in question.expect_files})
        result.rank = first_rank(retrieved, question.expect_files)
    else:
        result.declined = not answer.answered and not answer.citations
    return result


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(values, q)) if len(values) else 0.0


def _rate(flags: Sequence[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


@dataclass
class Totals:
    """Aggregates over a group of results (one language, or all)."""

    questions: int
    answerable: int
    facts: float | None  # share of answerable questions with every expected fact in the answer
    cited: float | None  # share of answerable questions citing an expected file
    hit1: float | None
    hit3: float | None
    mrr: float | None
    off_topic: int  # questions that must be declined (not hard)
    declined: float | None
    hard_off_topic: int
    hard_declined: float | None
    multi_turn: int
    multi_turn_facts: float | None
    median_chars: float
    p50_ms: float
    p95_ms: float
    errors: int = 0  # questions on which the engine raised something other than QuestionRejected

    def to_json(self) -> dict[str, Any]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def totals(results: Sequence[QuestionResult]) -> Totals:
    """Aggregate `results`; rates are None where a group has no question of that kind."""
    answerable = [r for r in results if r.kind == "answer"]
    off = [r for r in results if r.kind == "decline"]
    hard = [r for r in results if r.kind == "decline-hard"]
    follow = [r for r in answerable if r.turns > 1]
    ranks = [r.rank for r in answerable]
    latencies = [r.latency_ms for r in results]
    return Totals(
        questions=len(results),
        answerable=len(answerable),
        facts=_rate([bool(r.facts_found) for r in answerable]),
        cited=_rate([bool(r.file_cited) for r in answerable]),
        hit1=_rate([rank == 1 for rank in ranks]),
        hit3=_rate([rank is not None and rank <= 3 for rank in ranks]),
        mrr=(sum(1.0 / rank if rank else 0.0 for rank in ranks) / len(ranks)) if ranks else None,
        off_topic=len(off),
        declined=_rate([bool(r.declined) for r in off]),
        hard_off_topic=len(hard),
        hard_declined=_rate([bool(r.declined) for r in hard]),
        multi_turn=len(follow),
        multi_turn_facts=_rate([bool(r.facts_found) for r in follow]),
        median_chars=float(np.median([r.chars for r in answerable])) if answerable else 0.0,
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        errors=sum(1 for r in results if r.error),
    )


def totals_by_language(results: Sequence[QuestionResult]) -> dict[str, Totals]:
    """Totals per question language, languages in sorted order."""
    languages = sorted({r.lang for r in results})
    return {lang: totals([r for r in results if r.lang == lang]) for lang in languages}
