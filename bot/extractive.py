"""The default synthesizer: quote the one to three document sentences that answer the question.

Candidate sentences (those of the retrieved passages and the sentence-level hits) are scored by the
fitted answer ranker (bot/ranker.py, parameters in bot/ranker_params.json, fitted by train/fit.py on
labelled questions). The choice model's likeliest candidate leads; a further sentence (often the one right
after a lead that only restates the question) joins when its choice probability clears a fitted bar per
100 characters, so the answer grows only while the model hesitates. A fact told by several files
(translations of one story) is quoted once, in the question's language when a version in it exists, with
the other files listed in `also_in`. When the logistic model's calibrated probability that the documents
answer the question is below its fitted threshold, the engine says the documents do not answer (README,
"Abstention"; docs/answer-quality.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.answer import Answer, Citation
from bot.prompts import not_found_message
from bot.ranker import FEATURES, PARAMS, Candidate, Ranker, features, gather, joins, question_evidence
from bot.sentence_lookup import SentenceLookup, quote_location, runs_on, same_fact
from index.lexical import analyze_document, query_word_stems
from index.retrieve import Retrieval
from index.structured import PATH_SEPARATOR
from index.types import Sentence

MAX_SENTENCES = 3
SWAP_TOLERANCE = 0.03  # how much closer the found sentence may be than its version in the question language
# A further sentence joins only while the answer stays under this. Sentences of Wikipedia and of news run
# ~155 characters at the median and ~280 at the 90th percentile (xquad-dev, the bundled corpus): 600 holds three
# median sentences or two long ones. How many join is the fitted follow share's decision (train/fit.py keeps
# the median answer under its bound); at 420 a long lead left room for a long second sentence too rarely:
# held out on xquad-dev, 420 -> 600 with the follow share refitted, facts 0.844 -> 0.850, median 259 -> 265.
MAX_ANSWER_CHARS = 600

__all__ = ["ExtractiveSynthesizer", "Ranked"]


@dataclass
class Ranked:
    """A question's candidates as the synthesizer reads them: in quoting order (`pool`, with their feature rows
    and choice probabilities), and the abstention's inputs (the logistic model's best logit and row, the
    question's evidence) from `model`, the one that scored them, and the candidate with that best logit."""

    pool: list[Candidate]
    rows: np.ndarray
    probabilities: np.ndarray
    best_logit: float
    best_row: np.ndarray
    evidence: np.ndarray
    model: Ranker
    best: Candidate | None = None


class ExtractiveSynthesizer:
    """Picks, orders and cites answering sentences with the fitted ranker; no model beyond the embedder."""

    mode = "extractive"

    def __init__(self, lookup: SentenceLookup, abstain_margin: float = 0.0, params: Path | str | None = None):
        self.lookup = lookup
        self.margin = abstain_margin
        self.ranker = Ranker.load(params or PARAMS)

    def ranked(self, question: str, language: str, retrieval: Retrieval) -> Ranked:
        """The candidates in the order they may be quoted (the choice model's, best first) with their feature
        rows and choice probabilities, and what the abstention reads: the logistic model's best logit and its
        row, and the question's evidence (`question_evidence`, read in the candidates' gathered order as training
        reads it), from the model that scored them (the one fitted without sentence pairs when a candidate was
        stored without its pair). In a follow-up, sentences whose neighbourhood never names the borrowed subject
        (the words `lexical_query` adds) come after those that do, in both orders."""
        pool = gather(retrieval)
        if not pool:
            empty = np.zeros((0, len(FEATURES)))
            return Ranked([], empty, np.zeros(0), -30.0, np.zeros(len(FEATURES)),
                          question_evidence(np.zeros(0), empty), self.ranker)
        model = self.ranker.for_pool(pool)
        rows = features(question, language, retrieval, pool)
        logits = model.logits(rows)
        evidence = question_evidence(logits, rows)
        probabilities = model.choice_probabilities(rows)
        languages = {c.sentence.language for c in pool} | {"en"}
        own = set(query_word_stems(question, languages))
        borrowed = [w for w in query_word_stems(retrieval.lexical_query or question, languages) if w not in own]
        on_subject = np.ones(len(pool))
        if borrowed:
            for i, c in enumerate(pool):
                terms = set(analyze_document(_around(c), c.sentence.language))
                on_subject[i] = float(any(w & terms for w in borrowed))
        best = int(np.lexsort((-logits, -on_subject))[0])
        order = np.lexsort((-probabilities, -on_subject))
        return Ranked([pool[i] for i in order], rows[order], probabilities[order], float(logits[best]), rows[best],
                      evidence, model, pool[best])

    def relevant(self, question: str, ranked: Ranked) -> bool:
        """Whether the calibrated probability that the documents answer (`ranked.model`'s, read off the best
        candidate and the question's evidence) clears its fitted threshold plus the configured margin
        (CITEBOT_ABSTAIN_BELOW). Until 2026-12-03 a question none of whose words any
        document holds was declined outright when some document was in its language, which declined
        answerable questions whose answer sits in a document in another language (a Portuguese question about an
        English report in a folder with one Portuguese file); the calibrator decides those, and the engine
        declines the ones with no words to look for (bot/engine.py: `nothing_to_look_for`)."""
        if ranked.best is None:
            return False
        latent = self.lookup.latent_cover(question, ranked.best.sentence)
        model = ranked.model
        return model.confidence(ranked.best_logit, ranked.best_row, ranked.evidence, latent) >= (
            model.threshold + self.margin)

    def synthesize(self, question: str, language: str, retrieval: Retrieval) -> Answer:
        ranked = self.ranked(question, language, retrieval)
        pool, rows, model = ranked.pool, ranked.rows, ranked.model
        # the latent-term cover reads the question as it was searched: a follow-up with the subject it borrowed
        # ("Who? (ByteDance Nvidia)"), as training's questions name theirs; "Who?" alone has no terms to cover
        if not pool or not self.relevant(retrieval.query or question, ranked):
            return Answer(question, not_found_message(language), False, language, mode=self.mode)
        groups: list[tuple[Sentence, Candidate, list[Sentence]]] = []
        for cand, probability in zip(pool, ranked.probabilities, strict=True):
            if len(groups) >= MAX_SENTENCES:
                break
            if groups and not joins(float(probability), len(cand.sentence.text), model.follow,
                                    cand.sentence.file != pool[0].sentence.file):
                continue
            if groups and (is_question(cand.sentence.text) or self._under_heading(cand.sentence) is not None):
                continue  # another question of a FAQ, or a heading, answers nothing by itself
            if any(same_fact(g.sentence, cand.sentence) or cand.sentence.id in {o.id for o in others}
                   for _, g, others in groups):
                continue
            if groups and sum(len(s.text) for s, _, _ in groups) + len(cand.sentence.text) > MAX_ANSWER_CHARS:
                continue
            versions = [cand.sentence, *self.lookup.translations(cand.sentence)]
            lead = next((v for v in versions if v.language == language), cand.sentence)
            vector = retrieval.query_vector
            if float(np.dot(lead.embedding, vector)) < float(np.dot(cand.sentence.embedding, vector)) - SWAP_TOLERANCE:
                lead = cand.sentence  # the question-language version must answer about as well
            groups.append((lead, cand, versions))
        lead = pool[0].sentence
        added: list[Sentence] = []
        asks = is_question(lead.text)
        under = None if asks else self._under_heading(lead)
        if asks or under is not None:  # a FAQ's "Q:" line, a heading: what follows answers
            added = self._answer_after(lead, under or self.lookup.following(lead))
        elif _answer_follows(rows[0]):
            following = self.lookup.following(lead)
            added = [following] if following is not None else []
        if added and groups[0][0].doc_key == lead.doc_key:
            quoted_ids = {v.id for _, _, versions in groups for v in versions} | {g[0].id for g in groups}
            added = [a for a in added if a.id not in quoted_ids]  # chosen already: quoting it twice read [2] [3]
            groups[1:1] = [(a, pool[0], [a]) for a in added]
            while len(groups) > len(added) + 1 and sum(len(g[0].text) for g in groups) > MAX_ANSWER_CHARS:
                groups.pop()  # the lead's answer stays; further quotes go first
        citations, parts = [], []
        merged = _merge_adjacent(groups)
        # the lead reads first whatever its language (it is the likeliest answer; moving a weaker quote in the
        # question's language before it opened answers with the wrong sentence); of the further quotes, those in
        # the question's language come first, the others keep their order after them
        merged[1:] = sorted(merged[1:], key=lambda group: group[0][-1].language != language)
        said: set[str] = set()  # the sentences quoted so far
        for quoted, cand, versions in merged:
            quoted = [q for q in quoted if q.id not in said]  # quoted already as the context of an earlier quote
            if not quoted:
                continue
            before = self.lookup.context_before(quoted[0], question)
            if before is not None and runs_on(before, quoted[0]):
                quoted = [before, *quoted]  # one passage: "The pharmacy is ... It is open from 8:00 ..."
            elif before is not None and before.id not in said:
                # what the quote refers to, quoted before it on its own (in Markdown, list or quote marks may sit
                # between the two), and not again where the answer would have quoted it later
                said.add(before.id)
                citations.append(self._citation(len(citations) + 1, [before], cand, [before], retrieval))
                parts.append(f"{before.text} [{len(citations)}]")
            said.update(q.id for q in quoted)
            citations.append(self._citation(len(citations) + 1, quoted, cand, versions, retrieval))
            parts.append(f"{' '.join(q.text for q in quoted)} [{len(citations)}]")
        return Answer(question, " ".join(parts), True, language, citations, mode=self.mode)

    def _citation(self, n: int, quoted: list[Sentence], cand: Candidate, versions: list[Sentence],
                  retrieval: Retrieval) -> Citation:
        """The citation [n] of consecutive sentences `quoted` (chosen as `cand`; `versions` its translations)."""
        main = quoted[-1]
        in_passage = cand.passage is not None and cand.passage.file == main.file
        quote = " ".join(q.quote or q.text for q in quoted)  # the file's own text (Markdown keeps its marks)
        return Citation(n=n, file=main.file, language=main.language, quote=quote, location=quote_location(quoted),
                        score=max(float(np.dot(q.embedding, retrieval.query_vector)) for q in quoted),
                        also_in=sorted({v.file for v in versions if v.file != main.file}),
                        passage=cand.passage.text if in_passage else self.lookup.surrounding(quoted))

    def stream(self, question: str, language: str, retrieval: Retrieval) -> Iterator[str | Answer]:
        yield self.synthesize(question, language, retrieval)


    def _under_heading(self, s: Sentence) -> Sentence | None:
        """The sentence after `s` when `s` is a heading (short, not ending like a sentence, and the section, or the
        last part of the section path, of that sentence); else None. A heading matches a question about its
        subject and is quoted alone ("Receitas e renovação de medicação" for "How do I renew a prescription?",
        sweep of 2026-12-03). One read of the next sentence, only for lines that look like headings; the caller
        reuses it."""
        text = s.text.strip()
        if len(text) > HEADING_CHARS or _ENDS_SENTENCE.search(text):
            return None
        nxt = self.lookup.following(s)
        return nxt if nxt is not None and nxt.section.rsplit(PATH_SEPARATOR, 1)[-1].strip() == text else None

    def _answer_after(self, lead: Sentence, first: Sentence | None) -> list[Sentence]:
        """The sentences after a lead that is itself a question or a heading, from `first` (the one right after
        it) on, in its document: to the end of the paragraph they start (an "A: ..." paragraph, the heading's first
        paragraph), at most ANSWER_AFTER_QUESTION of them, stopping at the next question and before
        MAX_ANSWER_CHARS."""
        out: list[Sentence] = []
        total = len(lead.text)
        nxt = first
        while len(out) < ANSWER_AFTER_QUESTION:
            if (nxt is None or is_question(nxt.text) or (out and nxt.paragraph != out[0].paragraph)
                    or total + len(nxt.text) > MAX_ANSWER_CHARS):
                break
            out.append(nxt)
            total += len(nxt.text)
            if len(out) < ANSWER_AFTER_QUESTION:
                nxt = self.lookup.following(nxt)
        return out


# Sentences quoted after a lead that is a question: an FAQ answer is one to three sentences ("A: Yes." then the
# conditions), bounded again by MAX_ANSWER_CHARS.
ANSWER_AFTER_QUESTION = 3
_QUESTION_END = re.compile(r"[?？]\W*$")  # a question mark, then at most closing quotes or brackets
_ENDS_SENTENCE = re.compile(r"[.!?:;…。]\W*$")  # a heading ends with none of these
HEADING_CHARS = 120  # longer lines are not headings (index/paragraphs.py: a heading is at most 16 words)


def is_question(text: str) -> bool:
    """Whether a document sentence is itself a question (an FAQ's "Q: ...?", a heading asking one): it matches
    the user's question best and answers nothing, so it never leads alone or joins as a further quote."""
    return bool(_QUESTION_END.search(text))


_TYPE = {name: FEATURES.index(name) for name in ("asks_type", "type_match", "next_type_match")}


def _answer_follows(row: np.ndarray) -> bool:
    """The lead restates a question asking "when", "how many" or "who" without holding a number or name,
    and the next sentence holds one: the answer is that next sentence, so it is quoted too."""
    return bool(row[_TYPE["asks_type"]] and not row[_TYPE["type_match"]] and row[_TYPE["next_type_match"]])


def _around(c: Candidate) -> str:
    """The candidate's paragraph and the sentence before it, as far as its passage holds them: who said
    or did something is often named a sentence earlier."""
    s = c.sentence
    if c.passage is None:
        return s.text
    around = [x.text for x in c.passage.sentences if x.paragraph == s.paragraph or x.position == s.position - 1]
    return " ".join(around) or s.text


def _merge_adjacent(groups: list[tuple[Sentence, Candidate, list[Sentence]]]
                    ) -> list[tuple[list[Sentence], Candidate, list[Sentence]]]:
    """Chosen sentences that follow each other in one file become one quote, in document order (a lead
    restating the question and the next sentence holding the fact read as one passage); not across a
    heading, a page break or dropped text, where the joined quote would not be the file's (`runs_on`)."""
    merged: list[tuple[list[Sentence], Candidate, list[Sentence]]] = []
    for sentence, cand, versions in groups:
        for quoted, _, kept in merged:
            if runs_on(sentence, quoted[0]) or runs_on(quoted[-1], sentence):
                quoted.append(sentence)
                quoted.sort(key=lambda q: q.position)
                kept.extend(versions)
                break
        else:
            merged.append(([sentence], cand, list(versions)))
    return merged
