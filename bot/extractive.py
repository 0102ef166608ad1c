"""The default synthesizer: quote the one to three document sentences that answer the question.

Sentences of the retrieved passages are scored by their e5 similarity to the question (their
embeddings were computed at index time) plus a bonus for the question's terms they contain. The best
sentence leads; up to two more follow when they score close to it and add a different fact.
A fact told by several files (translations of one story) is quoted once, in the question's language
when a version in it exists, with the other files listed in `also_in`. When even the best sentence
is not relevant enough, the engine says the documents do not answer (see README, "Abstention").
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from bot.answer import Answer, Citation
from bot.prompts import not_found_message
from index.lexical import analyze_document, query_word_stems
from index.retrieve import Retrieval, Retriever
from index.types import Passage, Sentence

# Calibrated on the public eval plus tests/eval/questions.jsonl (README, "Abstention").
MIN_SCORE = 0.83  # below this best-sentence score (similarity + term bonus) the documents do not answer
LEXICAL_WEIGHT = 0.1
FOLLOW_MARGIN = 0.035  # a second or third sentence must score within this of the best one
TRANSLATION_SIM = 0.88  # sentence-to-sentence cosine above which two files may tell the same fact
MAX_SENTENCES = 3
SWAP_TOLERANCE = 0.03  # how much closer the found sentence may be than its version in the question language
OFF_SUBJECT_PENALTY = 0.03  # a follow-up's sentence whose paragraph never names the borrowed subject
CONTEXT_SHARE = 0.3  # part of the term bonus earned by the sentence's paragraph rather than itself
MAX_ANSWER_CHARS = 420

_NUMBER = re.compile(r"\b\w*\d\w*\b", re.UNICODE)
_CAPITALISED = re.compile(r"(?<![.!?]\s)\b[A-Z][\w-]+", re.UNICODE)
_LEADING = re.compile(r"^\W*\w+", re.UNICODE)


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
    """Names and numbers in a sentence (its first word aside): what a translation of it must share."""
    body = _LEADING.sub("", text, count=1)
    return {m.group().lower() for m in (*_NUMBER.finditer(text), *_CAPITALISED.finditer(body))}


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
        return len(na & nb) / min(len(na), len(nb)) >= 0.5
    return True


_REFERRING = {
    "en": re.compile(r"^(?:\W*\w+\W+){0,2}?(?:he|she|it|they|this|that|these|those|such)\b", re.IGNORECASE),
    "es": re.compile(r"^(?:\W*\w+\W+){0,2}?(?:él|ella|ellos|ellas|esto|eso|este|esta|dicha?|dichos)\b", re.IGNORECASE),
    "pt": re.compile(r"^(?:\W*\w+\W+){0,2}?(?:ele|ela|eles|elas|isso|isto|este|esta|essa|esse)\b", re.IGNORECASE),
    "id": re.compile(r"^(?:hal ini|(?:\W*\w+\W+){0,4}?(?:dia|mereka|beliau|tersebut))\b", re.IGNORECASE),
}


def refers_back(text: str, language: str) -> bool:
    """True when a sentence opens with a pronoun or demonstrative that points at the sentence before."""
    pattern = _REFERRING.get(language)
    return bool(pattern and pattern.match(text))


def term_overlap(words: list[frozenset[str]], terms: list[set[str]]) -> list[float]:
    """Share of the question's words each text (given as its analysed terms) contains, each word
    weighted by its rarity in the pool.

    A word is matched when any of its per-language stems is among the text's terms; rare words
    (a name, "VR", "910B") count more than words every candidate shares.
    """
    if not words or not terms:
        return [0.0] * len(terms)
    n = len(terms)
    weights = []
    for stems in words:
        df = sum(1 for t in terms if stems & t)
        weights.append(math.log((n + 1) / (df + 0.5)))
    total = sum(weights) or 1.0
    return [sum(w for stems, w in zip(words, weights, strict=True) if stems & t) / total for t in terms]


def _paragraph_text(sentence: Sentence, passage: Passage) -> str:
    """The sentence's paragraph and the sentence before it, as far as the passage holds them: who
    said or did something is often named a sentence earlier."""
    around = [s.text for s in passage.sentences
              if s.paragraph == sentence.paragraph or s.position == sentence.position - 1]
    return " ".join(around) or sentence.text


class ExtractiveSynthesizer:
    """Picks, orders and cites answering sentences; no model beyond the embedder."""

    mode = "extractive"

    def __init__(self, retriever: Retriever, abstain_margin: float = 0.0):
        self.retriever = retriever
        self.margin = abstain_margin

    def candidates(self, question: str, retrieval: Retrieval) -> list[_Candidate]:
        languages = {p.language for p in retrieval.passages} | {"en"}
        seen: dict[str, tuple[Sentence, Passage]] = {}
        for passage in retrieval.passages:
            for s in passage.sentences:
                if s.id not in seen and s.embedding is not None:
                    seen[s.id] = (s, passage)
        # The sentence must match the question's own words; the paragraph around it may also match
        # what a follow-up borrowed from earlier turns (the speaker named a sentence before).
        sentence_terms = [set(analyze_document(s.text, s.language)) for s, _ in seen.values()]
        paragraph_terms = [set(analyze_document(_paragraph_text(s, p), s.language)) for s, p in seen.values()]
        question_words = query_word_stems(question, languages)
        words = query_word_stems(retrieval.lexical_query or question, languages)
        own = term_overlap(question_words, sentence_terms)
        around = term_overlap(words, paragraph_terms)
        borrowed = [w for w in words if w not in question_words]
        on_subject = term_overlap(borrowed, paragraph_terms) if borrowed else [1.0] * len(seen)
        pool = [_Candidate(s, p, float(np.dot(s.embedding, retrieval.query_vector))
                           - (OFF_SUBJECT_PENALTY if subject == 0 else 0.0),
                           (1 - CONTEXT_SHARE) * lex + CONTEXT_SHARE * ctx)
                for (s, p), lex, ctx, subject in zip(seen.values(), own, around, on_subject, strict=True)]
        return sorted(pool, key=lambda c: -c.score)

    def relevant(self, best: _Candidate) -> bool:
        return best.score >= MIN_SCORE + self.margin

    def translations(self, chosen: Sentence) -> list[Sentence]:
        """Versions of the chosen sentence in other files: per file, the closest sentence that passes
        `same_fact` and whose own closest sentence in the chosen file is the chosen one (mutual best
        match, the usual test for aligned translations)."""
        best: dict[str, tuple[float, Sentence]] = {}
        for other in self.retriever.similar_sentences(chosen):
            if other.file == chosen.file or not same_fact(chosen, other):
                continue
            sim = float(np.dot(chosen.embedding, other.embedding))
            if other.file not in best or sim > best[other.file][0]:
                best[other.file] = (sim, other)
        return [s for _, s in best.values() if self._closest_in(chosen.doc_key, s) == chosen.id]

    def _closest_in(self, doc_key: str, sentence: Sentence) -> str | None:
        """Id of the sentence of document `doc_key` most similar to `sentence`."""
        sentences = self.retriever.document_sentences(doc_key)
        if not sentences:
            return None
        sims = [float(np.dot(s.embedding, sentence.embedding)) for s in sentences]
        return sentences[int(np.argmax(sims))].id

    def _with_context(self, s: Sentence) -> list[Sentence]:
        """The sentence, preceded by the one before it when it opens with a reference to it."""
        if s.position == 0 or not refers_back(s.text, s.language):
            return [s]
        previous = self.retriever.sentences_at(s.doc_key, s.position - 1, s.position - 1)
        return [*previous, s]

    def synthesize(self, question: str, language: str, retrieval: Retrieval) -> Answer:
        pool = self.candidates(question, retrieval)
        if not pool or not self.relevant(pool[0]):
            return Answer(question, not_found_message(language), False, language, mode=self.mode)
        groups: list[tuple[_Candidate, list[Sentence]]] = []
        for cand in pool:
            if len(groups) >= MAX_SENTENCES or (groups and cand.score < pool[0].score - FOLLOW_MARGIN):
                break
            if any(same_fact(g.sentence, cand.sentence) or cand.sentence.id in {o.id for o in others}
                   for g, others in groups):
                continue
            if groups and sum(len(g.sentence.text) for g, _ in groups) + len(cand.sentence.text) > MAX_ANSWER_CHARS:
                continue
            versions = [cand.sentence, *self.translations(cand.sentence)]
            lead = next((v for v in versions if v.language == language), cand.sentence)
            if float(np.dot(lead.embedding, retrieval.query_vector)) < cand.dense - SWAP_TOLERANCE:
                lead = cand.sentence  # the question-language version must answer about as well
            groups.append((_Candidate(lead, cand.passage, cand.dense, cand.lexical), versions))
        citations, parts = [], []
        for n, (lead, versions) in enumerate(groups, start=1):
            quoted = self._with_context(lead.sentence)
            text = " ".join(q.text for q in quoted)
            paragraphs = sorted({q.paragraph for q in quoted})
            location = (f"paragraph {paragraphs[0]}" if len(paragraphs) == 1
                        else f"paragraphs {paragraphs[0]}-{paragraphs[-1]}")
            also = sorted({v.file for v in versions if v.file != lead.sentence.file})
            passage = lead.passage.text if lead.sentence.file == lead.passage.file else text
            citations.append(Citation(n=n, file=lead.sentence.file, language=lead.sentence.language, quote=text,
                                      location=location, score=lead.dense, also_in=also, passage=passage))
            parts.append(f"{text} [{n}]")
        return Answer(question, " ".join(parts), True, language, citations, mode=self.mode)

    def stream(self, question: str, language: str, retrieval: Retrieval) -> Iterator[str | Answer]:
        yield self.synthesize(question, language, retrieval)
