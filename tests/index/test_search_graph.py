"""The store's nearest-neighbour graph: new collections are built with citebot's HNSW settings (Chroma's
defaults lose true nearest sentences: tests/eval/test_xquad_floor.py measures it), and an index made
before them gets the wider search when a writer opens it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from index_helpers import Lines, settings_for

import index.store
from bot.app import document_listing
from index.ingest import build_index
from index.store import HNSW, OLD_GRAPH_HINT, Store


def test_new_collections_get_citebots_graph_settings(small_corpus: Path, tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data", small_corpus)
    build_index(settings)
    store = Store(settings)
    store.open(create=False)
    graph = store.graph_settings()
    assert {k: graph.get(k) for k in HNSW} == HNSW


def test_an_older_index_gets_the_wider_search_when_written(small_corpus: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_for(tmp_path / "data", small_corpus)
    with monkeypatch.context() as m:
        m.setattr(index.store, "HNSW", {"space": "cosine", "ef_search": 100})  # Chroma's defaults, as before
        build_index(settings)
    before = Store(settings)
    before.open(create=False)
    assert before.graph_settings()["ef_search"] < HNSW["ef_search"]
    assert before.graph_settings()["max_neighbors"] != HNSW["max_neighbors"]
    (small_corpus / "notes" / "lighthouse.txt").write_text("The lighthouse was painted red in 1920.\n")
    messages = Lines()
    build_index(settings, progress=messages)  # a run that opens the store says how to get the better graph
    assert OLD_GRAPH_HINT in messages.lines and "--rebuild" in OLD_GRAPH_HINT
    listing = document_listing(settings)  # `citebot sources` says it too
    assert OLD_GRAPH_HINT in listing
    assert json.loads(document_listing(settings, as_json=True))["search_graph_current"] is False
    after = Store(settings)
    after.open(create=False)
    assert after.graph_settings()["ef_search"] == HNSW["ef_search"]
    assert after.graph_settings()["max_neighbors"] == before.graph_settings()["max_neighbors"]  # fixed at creation
    assert not after.graph_is_current()
    rebuilt = Lines()
    build_index(settings, rebuild=True, progress=rebuilt)
    assert OLD_GRAPH_HINT not in rebuilt.lines
    assert OLD_GRAPH_HINT not in document_listing(settings)
    assert json.loads(document_listing(settings, as_json=True))["search_graph_current"] is True
    again = Store(settings)
    again.open(create=False)
    assert again.graph_is_current()

