"""The default synthesizer: quote the one to three document sentences that answer the question.

Sentences of the retrieved passages are scored by their e5 similarity to the question (their
embeddings were computed at index time) plus a bonus for the question's terms they contain. The best
sentence leads; up to two more follow when they score close to it and add a different fact.
A fact told by several files (translations of one story) is quoted once, in the question's language
when a version in it exists, with the other files listed in `also_in`. When even the best sentence
is not relevant enough, the engine says the documents do not answer (see README, "Abstention").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from bot.answer import Answer, Citation
from bot.prompts import not_found_message
from index.lexical import analyze_document, analyze_query
from index.retrieve import Retrieval, Retriever
from index.types import Passage, Sentence

# Calibrated on the public eval plus tests/eval/questions.jsonl (README, "Abstention").
MIN_DENSE = 0.815  # below this best-sentence similarity the documents are taken not to answer
MIN_DENSE_WITH_TERMS = 0.80  # ... unless the sentence shares the question's rare terms
LEXICAL_WEIGHT = 0.06
FOLLOW_MARGIN = 0.02  # a second or third sentence must score within this of the best one
TRANSLATION_SIM = 0.85  # sentence-to-sentence cosine above which two files may tell the same fact
MAX_SENTENCES = 3
MAX_ANSWER_CHARS = 420

_ANCHOR = re.compile(r"\b\w*\d\w*\b|(?<!^)(?<![.!?“\"]\s)\b[A-Z][\w-]+", re.UNICODE)


@dataclass
class _Candidate:
    sentence: Sentence
    passage: Passage
    dense: float
    lexical: float

    @property
    def score(self) -> float:
        return self.dense + LEXICAL_WEIGHT * self.lexical


def anchors(text: str) -> set[str]:
    """Names and numbers in a sentence: what a translation of it must share."""
    return {m.group().lower() for m in _ANCHOR.finditer(text)}


def same_fact(a: Sentence, b: Sentence) -> bool:
    """True when `b` tells what `a` tells (a translation or a near copy in another file)."""
    if a.embedding is None or b.embedding is None:
        return False
    if float(np.dot(a.embedding, b.embedding)) < TRANSLATION_SIM:
        return False
    ratio = len(a.text) / max(len(b.text), 1)
    if not 0.45 <= ratio <= 2.2:
        return False
    na, nb = anchors(a.text), anchors(b.text)
    digits_a = {t for t in na if any(ch.isdigit() for ch in t)}
    digits_b = {t for t in nb if any(ch.isdigit() for ch in t)}
    if digits_a and digits_b and not digits_a & digits_b:
        return False
    if na and nb:
        return len(na & nb) / min(len(na), len(nb)) >= 0.34
    return True


def _term_overlap(question_terms: list[str], sentence: Sentence) -> float:
    if not question_terms:
        return 0.0
    terms = set(analyze_document(sentence.text, sentence.language))
    return sum(1 for t in question_terms if t in terms) / len(question_terms)


class ExtractiveSynthesizer:
    """Picks, orders and cites answering sentences; no model beyond the embedder."""

    mode = "extractive"

    def __init__(self, retriever: Retriever, abstain_margin: float = 0.0):
        self.retriever = retriever
        self.margin = abstain_margin

    def candidates(self, question: str, retrieval: Retrieval) -> list[_Candidate]:
        languages = {p.language for p in retrieval.passages} | {"en"}
        q_terms = analyze_query(question, languages)
        seen: dict[str, _Candidate] = {}
        for passage in retrieval.passages:
            for s in passage.sentences:
                if s.id in seen or s.embedding is None:
                    continue
                dense = float(np.dot(s.embedding, retrieval.query_vector))
                seen[s.id] = _Candidate(s, passage, dense, _term_overlap(q_terms, s))
        return sorted(seen.values(), key=lambda c: -c.score)

    def relevant(self, best: _Candidate) -> bool:
        floor = MIN_DENSE_WITH_TERMS if best.lexical >= 0.5 else MIN_DENSE
        return best.dense >= floor + self.margin

    def _translations(self, chosen: _Candidate, pool: list[_Candidate]) -> list[_Candidate]:
        """Versions of the chosen sentence in other files, best match per file."""
        best_per_file: dict[str, _Candidate] = {}
        for c in pool:
            if c.sentence.file == chosen.sentence.file or not same_fact(chosen.sentence, c.sentence):
                continue
            sim = float(np.dot(chosen.sentence.embedding, c.sentence.embedding))
            current = best_per_file.get(c.sentence.file)
            if current is None or sim > float(np.dot(chosen.sentence.embedding, current.sentence.embedding)):
                best_per_file[c.sentence.file] = c
        return list(best_per_file.values())

    def synthesize(self, question: str, language: str, retrieval: Retrieval) -> Answer:
        pool = self.candidates(question, retrieval)
        if not pool or not self.relevant(pool[0]):
            return Answer(question, not_found_message(language), False, language, mode=self.mode)
        groups: list[tuple[_Candidate, list[_Candidate]]] = []
        used: set[str] = set()
        for cand in pool:
            if len(groups) >= MAX_SENTENCES or cand.score < pool[0].score - FOLLOW_MARGIN and groups:
                break
            if cand.sentence.id in used or any(same_fact(g.sentence, cand.sentence) for g, _ in groups):
                continue
            if groups and sum(len(g.sentence.text) for g, _ in groups) + len(cand.sentence.text) > MAX_ANSWER_CHARS:
                continue
            versions = [cand, *self._translations(cand, pool)]
            used.update(v.sentence.id for v in versions)
            in_language = [v for v in versions if v.sentence.language == language]
            lead = max(in_language, key=lambda v: v.score) if in_language else cand
            groups.append((lead, [v for v in versions if v is not lead]))
        citations, parts = [], []
        for n, (lead, others) in enumerate(groups, start=1):
            s = lead.sentence
            also = sorted({o.sentence.file for o in others if o.sentence.file != s.file})
            location = f"paragraph {s.paragraph}"
            citations.append(Citation(n=n, file=s.file, language=s.language, quote=s.text, location=location,
                                      score=lead.dense, also_in=also, passage=lead.passage.text))
            parts.append(f"{s.text} [{n}]")
        return Answer(question, " ".join(parts), True, language, citations, mode=self.mode)

    def stream(self, question: str, language: str, retrieval: Retrieval) -> Iterator[str | Answer]:
        yield self.synthesize(question, language, retrieval)
