"""The other-language sentence channel: with the question's language, retrieval also returns the sentences
nearest to it among documents in other languages (e5 ranks a translation below same-language text, so
across languages the right document's sentences are otherwise crowded out)."""

from __future__ import annotations

from pathlib import Path

from docmaker import EN_TEXT, write
from index_helpers import settings_for

from index.ingest import build_index
from index.retrieve import OTHER_LANGUAGE_HITS, Retriever
from index.store import Store

QUESTION = "How many gales hit the northern coast in 1911?"


def test_other_language_hits_come_only_from_documents_in_other_languages(small_corpus: Path, tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data", small_corpus)
    build_index(settings)
    retriever = Retriever(settings)
    languages = {e.language for e in retriever.manifest.files.values()}
    assert {"en", "es", "id"} <= languages
    got = retriever.retrieve(QUESTION, k=3, language="en")
    assert got.other_language_hits, "the Spanish and Indonesian documents have sentences"
    assert len(got.other_language_hits) <= OTHER_LANGUAGE_HITS
    assert {s.language for s in got.other_language_hits} <= languages - {"en"}
    similarity = [float(s.embedding @ got.query_vector) for s in got.other_language_hits]
    assert similarity == sorted(similarity, reverse=True)  # nearest first
    # the ranker reads each hit with its neighbours: the sentences next to them are fetched too
    known = {(s.doc_key, s.position) for s in [*got.context, *got.sentence_hits, *got.other_language_hits,
                                                *(x for p in got.passages for x in p.sentences)]}
    for hit in got.other_language_hits:
        for s in retriever.sentences_at(hit.doc_key, max(hit.position - 1, 0), hit.position + 1):
            assert (s.doc_key, s.position) in known
    assert retriever.retrieve(QUESTION, k=3).other_language_hits == []  # no language given: no such search


def test_a_corpus_in_one_language_makes_no_extra_search(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "lighthouse.txt", EN_TEXT)
    settings = settings_for(tmp_path / "data", corpus)
    build_index(settings)
    retriever = Retriever(settings)
    calls: list[str | None] = []
    store = retriever._snapshot.store
    original = store.query_sentences

    def counting(*args, **kwargs):
        calls.append(kwargs.get("not_language"))
        return original(*args, **kwargs)

    store.query_sentences = counting
    got = retriever.retrieve(QUESTION, k=3, language="en")
    assert got.other_language_hits == [] and calls == [None]
    # a question in a language no document is written in: every document is "other", the plain search covers it
    assert retriever.retrieve("¿Cuántos temporales azotaron la costa norte en 1911?", k=3,
                              language="es").other_language_hits == []


def test_store_searches_can_leave_out_one_language(small_corpus: Path, tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data", small_corpus)
    build_index(settings)
    store = Store(settings)
    store.open(create=False)
    vector = Retriever(settings).embed_query(QUESTION).tolist()
    assert {m["language"] for _, _, m, _ in store.query_sentences(vector, 50)} >= {"en", "es"}
    rows = store.query_sentences(vector, 50, not_language="en")
    assert rows and all(m["language"] != "en" for _, _, m, _ in rows)
    keys = sorted({m["doc_key"] for _, _, m, _ in rows})[:1]
    both = store.query_sentences(vector, 50, keys, not_language="en")  # with the live-version filter too
    assert both and {m["doc_key"] for _, _, m, _ in both} == set(keys)
