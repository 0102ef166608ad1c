"""Turn the sources an LLM answer cites into Citations that quote the documents verbatim.

The model paraphrases (often in another language), so the quote shown for `[n]` is the sentence of
source n closest in meaning to the answer sentences citing it: e5 embeddings when available
(sentences carry theirs from index time), word overlap otherwise. A quote is always document text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence

import numpy as np

from bot.answer import Citation
from bot.llm.citations import CheckedSentence
from bot.sentence_lookup import same_fact
from index.chunk import location_label
from index.types import Passage, Sentence

logger = logging.getLogger(__name__)

_WORD = re.compile(r"\w+", re.UNICODE)
_FIRST_SENTENCE = re.compile(r"\S.{0,400}?[.!?](?=\s|$)", re.DOTALL)

Embed = Callable[[list[str]], np.ndarray]
Translations = Callable[[Sentence], list[Sentence]]


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if len(w) > 2}


def overlap(a: str, b: str) -> float:
    """Share of words two texts have in common (Jaccard), for matching without embeddings."""
    wa, wb = _words(a), _words(b)
    return len(wa & wb) / len(wa | wb) if wa and wb else 0.0


def claim_vectors(claims: list[str], embed: Embed | None) -> dict[str, np.ndarray]:
    """Embeddings of the answer's sentences; empty when the embedder is unavailable."""
    if embed is None or not claims:
        return {}
    try:
        vectors = embed(claims)
    except Exception as exc:  # a quote by word overlap is still a correct quote
        logger.warning("cannot embed the LLM answer (%s); matching quotes by word overlap",
                       exc.__class__.__name__)
        return {}
    return dict(zip(claims, vectors, strict=True))


def best_sentence(passage: Passage, claims: list[str], vectors: dict[str, np.ndarray]) -> Sentence | None:
    """The sentence of `passage` that best supports `claims`."""
    sentences = [s for s in passage.sentences if s.text.strip()]
    if not sentences:
        return None
    usable = [vectors[c] for c in claims if c in vectors]
    if usable and all(s.embedding is not None for s in sentences):
        return max(sentences, key=lambda s: max(float(np.dot(s.embedding, v)) for v in usable))
    return max(sentences, key=lambda s: max(overlap(s.text, c) for c in claims))


def also_in(sentence: Sentence, passages: Sequence[Passage], translations: Translations | None) -> list[str]:
    """Other files that tell the same fact: the extractive synthesizer's translation finder over the
    whole index when given, else the retrieved passages."""
    if translations is not None and sentence.embedding is not None:
        try:
            return sorted({s.file for s in translations(sentence) if s.file != sentence.file})
        except Exception as exc:
            logger.debug("translation lookup failed (%s); using the retrieved passages", type(exc).__name__)
    files = {s.file for p in passages for s in p.sentences
             if s.file != sentence.file and same_fact(sentence, s)}
    return sorted(files)


def citation_for(n: int, passage: Passage, sentence: Sentence | None, query_vector: np.ndarray,
                 passages: Sequence[Passage], translations: Translations | None = None) -> Citation:
    """Citation `n` for `passage`, quoting `sentence` (or the passage's opening sentence)."""
    if sentence is None:
        match = _FIRST_SENTENCE.search(passage.text)
        quote = match.group().strip() if match else passage.text.strip()[:300]
        return Citation(n=n, file=passage.file, language=passage.language, quote=quote,
                        location=passage.location, score=passage.dense, passage=passage.text)
    embedded = sentence.embedding is not None
    score = float(np.dot(sentence.embedding, query_vector)) if embedded else passage.dense
    return Citation(n=n, file=sentence.file, language=sentence.language, quote=sentence.quote or sentence.text,
                    location=location_label((sentence.paragraph,), sentence.page, file=sentence.file), score=score,
                    also_in=also_in(sentence, passages, translations), passage=passage.text)


def build_citations(kept: list[CheckedSentence], renumber: dict[int, int], passages: Sequence[Passage],
                    query_vector: np.ndarray, embed: Embed | None,
                    translations: Translations | None = None) -> list[Citation]:
    """Citations 1..m in the order the answer's markers were renumbered."""
    claims_for: dict[int, list[str]] = {}
    for checked in kept:
        for source in checked.sources:
            claims_for.setdefault(source, []).append(checked.claim)
    vectors = claim_vectors(list(dict.fromkeys(s.claim for s in kept)), embed)
    citations = []
    for source, shown in sorted(renumber.items(), key=lambda item: item[1]):
        passage = passages[source - 1]
        quote = best_sentence(passage, claims_for[source], vectors)
        citations.append(citation_for(shown, passage, quote, query_vector, passages, translations))
    return citations
