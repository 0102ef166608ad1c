"""BM25 over the chunks, stemmed per document language with Snowball (PyStemmer), via bm25s.

Questions are stemmed with every corpus language's stemmer, because a question in one language must
still match names, numbers and cognates in a document in another. Stems are folded to ASCII after
stemming so that "inferência" and "inferencia" meet.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import threading
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from index.stopwords import STOPWORDS, stopwords_for

_STEMMERS = {"en": "english", "id": "indonesian", "es": "spanish", "pt": "portuguese", "fr": "french",
             "de": "german", "it": "italian", "nl": "dutch"}
_TOKEN = re.compile(r"\w+", re.UNICODE)
# A number written with separators: a version ("2.4.0"), a date ("2026-11-30", "30/11/2026"), a time ("9:00"),
# a grouped or decimal number ("1,000", "2.5"). `_TOKEN` splits it into digit runs that match any other number
# holding them ("2.4.0" met "Apache License 2.0"); it is also kept whole, as one more term.
# Each part at most 20 digits: unbounded, a 40,000-digit run took 42 s (every start rescans the run).
_NUMBER_GROUP = re.compile(r"\d{1,20}(?:[.,:/-]\d{1,20})+", re.UNICODE)
_ALL_STOPWORDS = frozenset().union(*STOPWORDS.values())
# An e-mail address or a web address is a term for what it is, in the languages citebot reads: "What is their
# email?" shares no word with "reach the team at pharmacy@riverside-health.example", and the question was
# declined as one about words no document holds (sweep of 2026-12-03). Only these two kinds: they cannot be
# mistaken for anything else, where a phone number can (a date, a list of figures).
_EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+", re.UNICODE)  # bounded as addresses are
_WEB = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
_EMAIL_TERMS = ["email", "mail", "correo", "surel"]  # en, es, pt ("e-mail"), id ("surel")
_WEB_TERMS = ["website", "web", "url", "sitio"]
_lock = threading.Lock()


@lru_cache(maxsize=16)
def _stemmer(language: str) -> Any:
    import Stemmer

    return Stemmer.Stemmer(_STEMMERS[language]) if language in _STEMMERS else None


def _fold(token: str) -> str:
    decomposed = unicodedata.normalize("NFKD", token)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _stem(tokens: list[str], language: str) -> list[str]:
    stemmer = _stemmer(language)
    if stemmer is None:
        return [_fold(t) for t in tokens]
    with _lock:
        stems = stemmer.stemWords(tokens)
    return [_fold(s) for s in stems]


def number_groups(text: str) -> list[str]:
    """The numbers written with separators in `text`, each whole, with a comma read as a point: English "1,000"
    and "2.5" meet Spanish "1.000" and "2,5"."""
    return [m.group().replace(",", ".") for m in _NUMBER_GROUP.finditer(text)]


def address_terms(text: str) -> list[str]:
    """Words naming the e-mail and web addresses casefolded `text` holds ("email", "website", ...): one set per
    kind found."""
    # the cheap membership tests first: every sentence a question ranks is tokenised, and few hold an address
    email = "@" in text and _EMAIL.search(text)
    web = ("http" in text or "www." in text) and _WEB.search(text)
    return (_EMAIL_TERMS if email else []) + (_WEB_TERMS if web else [])


def tokens(text: str) -> list[str]:
    """Words, then each number written with separators whole (`number_groups`), then the words for the
    addresses it holds (`address_terms`), casefolded."""
    folded = text.casefold()
    return _TOKEN.findall(folded) + number_groups(folded) + address_terms(folded)


def _content_words(text: str) -> list[str]:
    """The distinct words of `text` that carry content: no function word of any language, no number (a whole
    "2.4.0" neither: an index built before such terms were kept would call every one unknown)."""
    return list(dict.fromkeys(t for t in tokens(text) if t not in _ALL_STOPWORDS and not t.isdigit()
                              and not _NUMBER_GROUP.fullmatch(t)))


def analyze_document(text: str, language: str) -> list[str]:
    """Index terms of a chunk written in `language`."""
    return list(_analyzed(text, language))


@lru_cache(maxsize=32768)
def _analyzed(text: str, language: str) -> tuple[str, ...]:
    """Cached: the answer ranker stems the same candidate sentences question after question (a sentence is
    ~0.2 ms to stem, ~50 per question); 32k sentences of ~150 characters keep ~15 MB."""
    stop = stopwords_for(language)
    return tuple(_stem([t for t in tokens(text) if t not in stop], language))


def query_word_stems(text: str, languages: Iterable[str]) -> list[frozenset[str]]:
    """For each content word of a question, the stems every corpus language would give it."""
    words = list(dict.fromkeys(t for t in tokens(text) if t not in _ALL_STOPWORDS))
    per_word: list[set[str]] = [set() for _ in words]
    for language in sorted(set(languages)) or ["en"]:
        for i, stem in enumerate(_stem(words, language)):
            per_word[i].add(stem)
    return [frozenset(stems) for stems in per_word]


def analyze_query(text: str, languages: Iterable[str]) -> list[str]:
    """Query terms: each word stemmed the way each corpus language would stem it."""
    terms: dict[str, None] = {}
    for stems in query_word_stems(text, languages):
        terms.update(dict.fromkeys(sorted(stems)))
    return list(terms)


def _bm25s() -> Any:
    """bm25s, imported on first use, with its import-time DEBUG logging turned down."""
    import logging

    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


class LexicalIndex:
    """A BM25 index over chunk ids, saved next to the manifest version it was built for."""

    def __init__(self, ids: list[str], languages: list[str], model: Any):
        self.ids = ids
        self.languages = sorted(set(languages))
        self._model = model

    @classmethod
    def build(cls, rows: Sequence[tuple[str, str, str]]) -> LexicalIndex:
        """Index (chunk id, text, language) rows."""
        bm25s = _bm25s()
        ids = [r[0] for r in rows]
        corpus = [analyze_document(text, language) or ["\u2400"] for _, text, language in rows]
        model = bm25s.BM25()
        if corpus:
            model.index(corpus, show_progress=False)
        return cls(ids, [r[2] for r in rows], model)

    def search(self, question: str, k: int) -> list[tuple[str, float]]:
        """Best `k` chunk ids by BM25, with scores; empty when no term matches."""
        if not self.ids:
            return []
        terms = analyze_query(question, self.languages)
        if not terms:
            return []
        with _lock:
            scores = self._model.get_scores(terms)
        order = scores.argsort()[::-1][:k]
        return [(self.ids[i], float(scores[i])) for i in order if scores[i] > 0]

    def unknown_words(self, text: str) -> list[str]:
        """Content words of `text` that no corpus language stems to a term of this index ("asdfgh"):
        a short input made only of such words is noise, not a follow-up about the last answer."""
        words = _content_words(text)
        vocabulary = getattr(self._model, "vocab_dict", None) or {}
        return [w for w, stems in zip(words, query_word_stems(" ".join(words), self.languages), strict=True)
                if not stems & vocabulary.keys()]

    def rarest_words(self, text: str, n: int) -> list[str]:
        """The `n` content words of `text` that the fewest chunks hold (at least one does), rarest first: a
        follow-up borrows the previous question's most specific words ("pharmacy", not "open") as its subject."""
        words = _content_words(text)
        vocabulary = getattr(self._model, "vocab_dict", None) or {}
        indptr = (getattr(self._model, "scores", None) or {}).get("indptr")
        if indptr is None:
            return []
        held = []
        for position, (word, stems) in enumerate(zip(words, query_word_stems(" ".join(words), self.languages),
                                                     strict=True)):
            # a term's column of the BM25 matrix lists the chunks holding it
            counts = [int(indptr[vocabulary[t] + 1] - indptr[vocabulary[t]]) for t in stems if t in vocabulary]
            if counts:
                held.append((max(counts), position, word))
        return [word for _, _, word in sorted(held)[:n]]

    def unknown_share(self, text: str) -> float:
        """Share of the content words of `text` that no indexed term matches: a question about a subject
        no document mentions names things the corpus never spells (an abstention signal)."""
        words = _content_words(text)
        return len(self.unknown_words(text)) / len(words) if words else 0.0

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if self.ids:
            self._model.save(str(folder))
        (folder / "ids.json").write_text(json.dumps({"ids": self.ids, "languages": self.languages}))

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        bm25s = _bm25s()
        meta = json.loads((folder / "ids.json").read_text())
        model = bm25s.BM25.load(str(folder)) if meta["ids"] else bm25s.BM25()
        return cls(meta["ids"], meta["languages"], model)


def build_lexical(chunks: Iterable[tuple[str, str, Mapping[str, Any]]], live: Collection[str]) -> LexicalIndex:
    """BM25 over the (id, text, metadata) chunk rows whose document version is `live` (orphans of an
    interrupted run and unpublished versions left out)."""
    return LexicalIndex.build([(cid, text, str(meta["language"])) for cid, text, meta in chunks
                               if meta["doc_key"] in live])


def save_lexical(lexical: LexicalIndex, target: Path) -> None:
    """Write BM25 state into place atomically (a killed run leaves no half-written folder).

    Several writers may save one version at once (the pass that publishes it and a reader that found it
    missing, in one process or two). Each writes its own temporary folder and renames it into place; a
    state already in place (`ids.json` is written last) is another writer's equal one and is kept."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.tmp-"))
    try:
        lexical.save(tmp)
        for _ in range(5):
            if (target / "ids.json").exists():
                return
            shutil.rmtree(target, ignore_errors=True)  # an incomplete leftover
            try:
                tmp.rename(target)
                return
            except OSError:  # another writer renamed its folder in between: look again
                continue
        raise OSError(f"cannot put BM25 state in place at {target}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
