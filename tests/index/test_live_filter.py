"""Retrieval skips Chroma's `doc_key $in` filter when the embedded store can hold only live versions (no
`pending.json`), and still never returns a version that is not live while an index run is writing."""

from __future__ import annotations

import json
from pathlib import Path

from docmaker import ES_TEXT, write
from index_helpers import settings_for

from index.ingest import build_index
from index.retrieve import Retriever
from index.store import Store


def _orphan_copies(settings, retriever: Retriever, question: str) -> str:
    """Store copies of the best chunks and sentences for `question` under a doc_key no manifest has, as a
    run writing a new version would before publishing it; returns that key."""
    store = Store(settings)
    store.open(create=False)
    vector = retriever.embed_query(question).tolist()
    key = "orphan0000000000000"
    for sentences in (False, True):
        rows = (store.query_sentences(vector, 6) if sentences else
                [(i, d, m, e) for i, d, m, e in store.get_chunks([r[0] for r in store.query_chunks(vector, 6)])])
        store.add([f"{key}:{i}" for i, *_ in rows], [list(map(float, r[3])) for r in rows], [r[1] for r in rows],
                  [{**r[2], "doc_key": key, "file": "new-version.txt"} for r in rows], sentences=sentences)
    return key


def test_versions_being_written_are_never_retrieved_with_or_without_the_filter(
        small_corpus: Path, tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data", small_corpus)
    build_index(settings)
    retriever = Retriever(settings)
    question = "How many gales hit the northern coast in 1911?"
    before = [p.id for p in retriever.retrieve(question, k=3).passages]
    assert retriever._live_filter(retriever._snapshot.manifest.live_keys) == (None, 1)  # nothing to filter
    _orphan_copies(settings, retriever, question)

    retriever.state.pending_path.write_text(json.dumps({"keys": [], "files": []}))  # a run is writing
    in_store, _ = retriever._live_filter(retriever._snapshot.manifest.live_keys)
    assert in_store == sorted(retriever._snapshot.manifest.live_keys)
    during = retriever.retrieve(question, k=3)
    assert [p.id for p in during.passages] == before
    assert all(s.doc_key in retriever._snapshot.manifest.live_keys for s in during.sentence_hits)

    retriever.state.pending_path.unlink()  # unfiltered: the copies are dropped after the search
    after = retriever.retrieve(question, k=3)
    assert all(p.file != "new-version.txt" for p in after.passages)
    assert all(s.doc_key in retriever._snapshot.manifest.live_keys for s in after.sentence_hits)


def test_a_restricted_retriever_searches_only_its_files(tmp_path: Path) -> None:
    """Training and benchmarks ask questions of a subset (`Retriever.restricted`). The nearest-neighbour
    search must be limited to that subset: filtering after it (as for a whole index with no run writing)
    leaves the subset only what the other files did not outrank, here nothing."""
    corpus = tmp_path / "corpus"
    places = ["Wick", "Thurso", "Lerwick", "Kirkwall", "Stornoway", "Ullapool", "Oban", "Mallaig", "Portree", "Tain"]
    write(corpus / "gales.txt", "\n\n".join(
        f"In {1900 + i}, {i + 2} gales hit the northern coast near {places[i % 10]}, and the harbour at "
        f"{places[(i + 3) % 10]} lost {i + 1} boats." for i in range(40)))
    write(corpus / "fabrica.txt", ES_TEXT)
    settings = settings_for(tmp_path / "data", corpus)
    build_index(settings)
    question = "How many gales hit the northern coast in 1911?"
    subset = Retriever(settings).restricted({"fabrica.txt"})
    keys = subset._snapshot.manifest.live_keys
    store = Store(settings)
    store.open(create=False)
    vector = subset.embed_query(question).tolist()
    assert all(m["file"] == "gales.txt" for _, _, m, _ in store.query_sentences(vector, 16))  # outranked
    in_subset = store.query_sentences(vector, 50, sorted(keys))
    got = subset.retrieve(question, k=3)
    assert in_subset and len(got.sentence_hits) == min(len(in_subset), 16)
    assert all(s.doc_key in keys for s in got.sentence_hits)
    assert got.passages and all(p.file == "fabrica.txt" for p in got.passages)
