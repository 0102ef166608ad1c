"""Hybrid retrieval: e5 dense search in the store over chunks and over single sentences, plus BM25,
fused by reciprocal rank.

The dense side carries meaning across languages; BM25 catches names and numbers ("Lin Qingyuan",
"910B") the dense side can miss. The sentence channel finds the one sentence that answers even when
its chunk, diluted by the sentences around it, ranks low (typical across languages); its hits vote
for the chunks that hold them and are handed to the answer ranker with their neighbours.

A retriever reads one published version at a time (a `publish.Snapshot`: store results are filtered
to that version's documents and BM25 is loaded for it), so a question asked while another process
re-indexes is answered from the old index or the new one, never a mix. It notices a new version
within `reload_seconds` and switches without a restart.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import numpy as np

from index.chunk import location_label
from index.lexical import build_lexical
from index.local_state import LocalState
from index.publish import Snapshot, newer_version_published, open_snapshot
from index.sentence_pairs import PAIR_KEY, decode
from index.settings import IndexSettings
from index.store import Manifest
from index.types import Passage, Sentence

if TYPE_CHECKING:
    from index.embed import Engine

logger = logging.getLogger(__name__)
RRF_K = 60
MAX_FILTER_KEYS = 2000
# Sentences the sentence-level channel returns: with 8 passages of ~6 sentences the pool holds ~50
# sentences; 16 more direct hits cover the answering sentence for most cross-language questions whose
# chunk misses the top 8 (hit@k per kind in docs/answer-quality.md).
SENTENCE_HITS = 16
# Sentence hits could also vote for their chunks in the fusion; measured on tests/eval/questions.jsonl
# that cost hit@1 0.92 -> 0.69 (translated chunks outvote the question-language one), so they only join
# the answer's candidates.
SENTENCE_VOTES = False
# Sentences of documents in other languages than the question's, searched on their own. e5 ranks a text in
# the question's language above its translation, so across languages the right document's sentences are
# crowded out of the hits above by same-language sentences of other documents: on xquad-dev's
# cross-language questions the right file is among the 16 hits for 95% and first for 67%, but among the
# 8 nearest other-language sentences for 99% and first for 92% (bench/search_recall.py). The ranker
# compares candidates within their language too (bot/ranker.py: language_gap). A corpus in one language
# skips this search.
OTHER_LANGUAGE_HITS = 8
# Passages per question when the caller does not say; the bot passes its top_k setting (same default), which
# belongs to the answer settings, not to index/.
DEFAULT_K = 8


@dataclass
class Retrieval:
    """Passages for one question plus what the synthesizer needs to score sentences."""

    passages: list[Passage]
    query_vector: np.ndarray  # what candidates are scored against: the question's (a follow-up's own: bot/engine.py)
    query: str = ""
    lexical_query: str = ""
    sentence_hits: list[Sentence] = field(default_factory=list)  # sentence-level dense hits, best first
    context: list[Sentence] = field(default_factory=list)  # the sentences next to those hits
    unknown_share: float = 0.0  # share of the question's content words no indexed term matches
    other_language_hits: list[Sentence] = field(default_factory=list)  # the same among other-language documents
    indexed_sentences: int = 0  # sentences of the live documents searched (how big the corpus is)
    indexed_languages: tuple[str, ...] = ()  # the languages of those documents


def _passage(cid: str, text: str, meta: dict[str, Any], score: float, dense: float, lexical: float) -> Passage:
    paragraphs = (int(meta["p_first"]), int(meta["p_last"])) if meta.get("p_first") else ()
    return Passage(id=cid, file=str(meta["file"]), language=str(meta["language"]), text=text,
                   location=location_label(paragraphs, int(meta.get("page") or 0) or None,
                                           str(meta.get("section") or ""), int(meta.get("page_last") or 0) or None,
                                           str(meta["file"])),
                   score=score,
                   dense=dense, lexical=lexical, paragraphs=paragraphs,
                   span=(int(meta["start"]), int(meta["end"])))


K = TypeVar("K")
V = TypeVar("V")


class LRU(Generic[K, V]):
    """A small thread-safe least-recently-used cache (bounded memory in a long-running bot)."""

    def __init__(self, size: int):
        self.size = size
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            if key not in self._data:
                return None
            self._data.move_to_end(key)
            return self._data[key]

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


@lru_cache(maxsize=1)
def _latent_pool() -> ThreadPoolExecutor:
    """The one thread every retriever's `prefetch_latent` runs on (restricted views included), started on first use."""
    return ThreadPoolExecutor(1, thread_name_prefix="latent")


def _sentence(sid: str, text: str, meta: dict[str, Any], emb: Any) -> Sentence:
    return Sentence(id=sid, doc_key=str(meta["doc_key"]), file=str(meta["file"]), language=str(meta["language"]),
                    text=text, paragraph=int(meta["paragraph"]), start=int(meta["start"]), end=int(meta["end"]),
                    position=int(meta["position"]), embedding=np.asarray(emb, dtype=np.float32),
                    page=int(meta.get("page") or 0) or None, section=str(meta.get("section") or ""),
                    quote=str(meta.get("quote") or ""), paired=PAIR_KEY in meta,
                    pair=decode(str(meta.get(PAIR_KEY) or "")))


class Retriever:
    """Dense + BM25 retrieval over the live index, reloading when another process re-indexes."""

    def __init__(self, settings: IndexSettings, embedder: Any | None = None, query_engine: Engine | None = None):
        """`query_engine` overrides the configured engine for questions (both give the same vectors)."""
        self.settings = settings
        self.state = LocalState(Path(settings.data_dir), settings.collection)
        if embedder is None:
            from index.embed import E5Embedding

            embedder = E5Embedding.for_settings(settings, engine=query_engine)
        self.embedder = embedder
        self._lock = threading.Lock()
        self._checked_at = 0.0
        self._sentence_cache: LRU[tuple[int, str], list[Sentence]] = LRU(4096)
        self._document_cache: LRU[tuple[int, str], list[Sentence]] = LRU(256)
        self._latent_cache: LRU[str, Any] = LRU(1024)  # text -> its latent-term code or its Future (latent_cover)
        self._restricted = False  # a subset of the live files (see restricted)
        self._snapshot = open_snapshot(settings, self.state)

    # loading ---------------------------------------------------------------------------------
    def refresh(self, force: bool = False) -> bool:
        """Switch to a newer index version if another process published one (checked at most every
        `reload_seconds` unless forced); True when switched."""
        now = time.monotonic()
        if not force and now - self._checked_at < self.settings.reload_seconds:
            return False
        self._checked_at = now
        if not newer_version_published(self._snapshot, self.settings, self.state):
            return False
        with self._lock:
            self._snapshot = open_snapshot(self.settings, self.state)
            self._sentence_cache.clear()
            self._document_cache.clear()
        logger.info("switched to index version %d", self._snapshot.manifest.version)
        return True

    # queries ---------------------------------------------------------------------------------
    @property
    def manifest(self) -> Manifest:
        return self._snapshot.manifest

    @property
    def location(self) -> str:
        return self._snapshot.store.location

    @property
    def graph_is_current(self) -> bool:
        """Whether the store's sentence graph was built with citebot's HNSW settings (index/store.py)."""
        return self._snapshot.store.graph_is_current()

    def unknown_words(self, text: str) -> list[str]:
        """Content words of `text` that appear nowhere in the live index (see LexicalIndex.unknown_words)."""
        return self._snapshot.lexical.unknown_words(text)

    def rarest_words(self, text: str, n: int = 2) -> list[str]:
        """The `n` content words of `text` the fewest live chunks hold (see LexicalIndex.rarest_words)."""
        return self._snapshot.lexical.rarest_words(text, n)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embedder.query_vector(text)

    def prefetch_latent(self, text: str) -> None:
        """Start `text`'s latent-term code on a background thread: the question's, while its search runs (the
        runtime has a session per core), so `latent_cover` finds it ready."""
        if self._latent_cache.get(text) is None:
            self._latent_cache.put(text, _latent_pool().submit(lambda: self.embedder.latent_codes([text])[0]))

    def latent_cover(self, question: str, sentence: str) -> float:
        """The share of `question`'s latent-term weight that `sentence`'s own code covers (index/latent_terms.py),
        each text read alone. Codes are kept by text: the same sentences lead many questions' answers."""
        from index.latent_terms import overlap

        codes = {t: self._latent_cache.get(t) for t in (question, sentence)}
        missing = [t for t, code in codes.items() if code is None]
        for text, code in zip(missing, self.embedder.latent_codes(missing) if missing else [], strict=True):
            self._latent_cache.put(text, code)
            codes[text] = code
        for text, code in codes.items():
            if isinstance(code, Future):
                try:
                    codes[text] = code.result()
                except Exception:  # the prefetch failed: once more here, so a lasting error is this call's
                    codes[text] = self.embedder.latent_codes([text])[0]
                    self._latent_cache.put(text, codes[text])
        return overlap(codes[question], codes[sentence])[1]

    def _live_filter(self, live: set[str]) -> tuple[list[str] | None, int]:
        """(doc_keys to filter Chroma's nearest-neighbour search by, how many times the wanted rows to fetch).

        Only while an index run is writing (or one was killed: `pending.json` is there from before its first
        write until its final clean-up) can the embedded store hold versions that are not live; otherwise
        the `$in` filter costs ~7 ms per sentence search on xquad-dev and filters nothing. A Chroma server
        may be written from another host, whose `pending.json` this one cannot see: always filtered. Past a
        few thousand documents the filter costs more than it saves, so over-fetch instead. A restricted
        retriever (a subset of the live files) always filters: after the search, the subset would keep only
        what the other files did not outrank."""
        if not self._restricted and not self.settings.server_mode and not self.state.pending_path.exists():
            return None, 1
        if len(live) <= MAX_FILTER_KEYS:
            return sorted(live), 1
        return None, 2

    def retrieve(self, question: str, k: int = DEFAULT_K, lexical_query: str | None = None,
                 language: str | None = None) -> Retrieval:
        """The top `k` passages for `question`, best first, with their sentences attached; with the question's
        `language`, also the sentences nearest to it in documents of other languages. It does not look
        for a newer index: the engine's check_index makes that one decision before each question."""
        snap = self._snapshot
        vector = self.embed_query(question)
        live = snap.live_keys
        pool = k * 3
        in_store, fetch = self._live_filter(live)
        hits = snap.store.query_chunks(vector.tolist(), pool * fetch, in_store)
        dense = [hit for hit in hits if hit[2]["doc_key"] in live][:pool]
        rows = snap.store.query_sentences(vector.tolist(), SENTENCE_HITS * fetch, in_store)
        sentence_hits = [s for s in (_sentence(*row) for row in rows) if s.doc_key in live][:SENTENCE_HITS]
        other_hits: list[Sentence] = []
        if language is not None and language in snap.languages and len(snap.languages) > 1:
            rows = snap.store.query_sentences(vector.tolist(), OTHER_LANGUAGE_HITS * fetch, in_store,
                                              not_language=language)
            other_hits = [s for s in (_sentence(*row) for row in rows) if s.doc_key in live][:OTHER_LANGUAGE_HITS]
        lexical = snap.lexical.search(lexical_query or question, pool)
        fused: dict[str, float] = {}
        for rank, (cid, *_rest) in enumerate(dense):
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
        for rank, (cid, _score) in enumerate(lexical):
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
        for rank, sentence in enumerate(sentence_hits if SENTENCE_VOTES else ()):
            for cid, _text, meta, _sim in dense:
                if meta["doc_key"] == sentence.doc_key and int(meta["s_first"]) <= sentence.position <= int(
                        meta["s_last"]):
                    fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
        top = sorted(fused, key=lambda c: -fused[c])[:k]
        by_id = {cid: (text, meta, sim) for cid, text, meta, sim in dense}
        bm25 = dict(lexical)
        missing = [cid for cid in top if cid not in by_id]
        if missing:
            for cid, text, meta, emb in snap.store.get_chunks(missing):
                by_id[cid] = (text, meta, float(np.dot(np.asarray(emb, dtype=np.float32), vector)))
        passages = [_passage(cid, by_id[cid][0], by_id[cid][1], fused[cid], by_id[cid][2], bm25.get(cid, 0.0))
                    for cid in top if cid in by_id and by_id[cid][1]["doc_key"] in live]
        self._attach_sentences(snap, passages, [by_id[p.id][1] for p in passages])
        context = self._neighbours(snap, passages, [*sentence_hits, *other_hits])
        return Retrieval(passages, vector, question, lexical_query or question, sentence_hits, context,
                         snap.lexical.unknown_share(question), other_hits, snap.sentences,
                         tuple(sorted(snap.languages)))

    def _neighbours(self, snap: Snapshot, passages: list[Passage], hits: list[Sentence]) -> list[Sentence]:
        """The sentences just before and after each sentence hit that the passages do not already hold
        (one store read): the ranker scores a sentence with its neighbours."""
        known = {(s.doc_key, s.position) for p in passages for s in p.sentences} | {(s.doc_key, s.position)
                                                                                  for s in hits}
        ranges = sorted({(s.doc_key, max(s.position - 1, 0), s.position + 1) for s in hits
                         if {(s.doc_key, s.position - 1), (s.doc_key, s.position + 1)} - known})
        if not ranges:
            return []
        rows = snap.store.get_sentences(ranges)
        return [s for s in (_sentence(*row) for row in rows) if (s.doc_key, s.position) not in known]

    def restricted(self, files: set[str]) -> Retriever:
        """A retriever that sees only `files` of the current index (BM25 rebuilt over them): training and
        benchmarks use it to ask questions of a corpus subset without re-embedding anything."""
        snap = self._snapshot
        manifest = replace(snap.manifest, files={f: e for f, e in snap.manifest.files.items() if f in files})
        clone = object.__new__(Retriever)
        clone.__dict__.update(self.__dict__)
        clone._lock = threading.Lock()
        clone._checked_at = float("inf")  # never reloads: the subset is fixed
        clone._restricted = True
        clone._sentence_cache = LRU(4096)
        clone._document_cache = LRU(256)
        clone._snapshot = Snapshot(snap.store, manifest, build_lexical(snap.store.iter_chunks(), manifest.live_keys),
                                   snap.local_version)
        return clone


    def _attach_sentences(self, snap: Snapshot, passages: list[Passage], metas: list[dict[str, Any]]) -> None:
        version = snap.manifest.version
        wanted = [(p, m) for p, m in zip(passages, metas, strict=True)
                  if self._sentence_cache.get((version, p.id)) is None]
        ranges = [(str(m["doc_key"]), int(m["s_first"]), int(m["s_last"])) for _, m in wanted if int(m["s_first"]) >= 0]
        by_doc: dict[str, list[Sentence]] = {}
        for row in snap.store.get_sentences(ranges):
            sentence = _sentence(*row)
            by_doc.setdefault(sentence.doc_key, []).append(sentence)
        for p, m in wanted:
            first, last = int(m["s_first"]), int(m["s_last"])
            own = [s for s in by_doc.get(str(m["doc_key"]), []) if first <= s.position <= last]
            self._sentence_cache.put((version, p.id), sorted(own, key=lambda s: s.position))
        for p in passages:
            p.sentences = self._sentence_cache.get((version, p.id)) or []

    def sentences_at(self, doc_key: str, first: int, last: int) -> list[Sentence]:
        """Sentences `first`..`last` of one live document version, in order."""
        rows = self._snapshot.store.get_sentences([(doc_key, first, last)])
        return sorted((_sentence(*row) for row in rows), key=lambda s: s.position)

    def document_sentences(self, doc_key: str) -> list[Sentence]:
        """Every sentence of one live document version, in order (cached: translations are checked
        against whole documents)."""
        key = (self._snapshot.manifest.version, doc_key)
        cached = self._document_cache.get(key)
        if cached is None:
            cached = self.sentences_at(doc_key, 0, 10**9)
            self._document_cache.put(key, cached)
        return cached

    def similar_sentences(self, sentence: Sentence, n: int = 24) -> list[Sentence]:
        """Sentences of live documents closest to `sentence` (its translations rank first)."""
        snap = self._snapshot
        live = snap.live_keys
        in_store, fetch = self._live_filter(live)
        rows = snap.store.query_sentences(np.asarray(sentence.embedding).tolist(), n * fetch, in_store)
        return [s for s in (_sentence(*row) for row in rows) if s.doc_key in live][:n]
