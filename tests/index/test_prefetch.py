"""The counting pass hands its texts to the embedder ahead of the write pass (index/prefetch.py): the embedder
starts while later files are read, nothing is embedded twice, and the index is the one a run without it makes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from index_helpers import settings_for

from index import ingest, prefetch
from index.embed import E5Embedding


def _stored(settings) -> dict[str, np.ndarray]:
    from index.store import Store, reset_embedded_cache

    reset_embedded_cache()
    store = Store(settings)
    store.open(create=False)
    out = {}
    for collection in (store._chunks, store._sentences):
        got = collection.get(include=["embeddings"])
        out.update(zip(got["ids"], np.asarray(got["embeddings"]), strict=True))
    return out


def _build(tmp_path: Path, corpus: Path, name: str, monkeypatch: pytest.MonkeyPatch, budget: int):
    """build_index with the given prefetch budget; returns (settings, report, texts submitted before the write
    pass began, texts submitted in all)."""
    settings = settings_for(tmp_path / name, corpus)
    submitted: list[int] = []
    before_write: list[int] = []
    real_submit, real_write = E5Embedding.submit_passages, ingest._write_documents

    def counting_submit(self, texts):
        submitted.append(len(texts))
        return real_submit(self, texts)

    def noting_write(*args, **kwargs):
        before_write.append(sum(submitted))
        return real_write(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(prefetch, "PREFETCH_TOKENS", budget)
        patch.setattr(E5Embedding, "submit_passages", counting_submit)
        patch.setattr(ingest, "_write_documents", noting_write)
        report = ingest.build_index(settings)
    return settings, report, before_write[0], sum(submitted)


def test_the_embedder_starts_during_the_counting_pass_and_nothing_is_embedded_twice(
        tmp_path: Path, small_corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ahead, report, early, total = _build(tmp_path, small_corpus, "ahead", monkeypatch, budget=100_000)
    plain, plain_report, plain_early, plain_total = _build(tmp_path, small_corpus, "plain", monkeypatch, budget=0)
    assert plain_early == 0 and early == total > 0  # the whole small folder was embedded before the write pass
    assert total == plain_total  # each text once, either way
    assert report.embedded_tokens == plain_report.embedded_tokens > 0  # the bar and the report still count them
    ours, theirs = _stored(ahead), _stored(plain)
    assert ours.keys() == theirs.keys() and len(ours) >= 9  # 3 files: chunks and sentences
    for key, vector in ours.items():
        np.testing.assert_allclose(vector, theirs[key], atol=2e-5)


def test_a_budget_smaller_than_the_folder_prefetches_part_and_the_write_pass_does_the_rest(
        tmp_path: Path, small_corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, report, early, total = _build(tmp_path, small_corpus, "part", monkeypatch, budget=300)
    assert 0 < early < total
    assert report.embedded_tokens > 300


def test_take_hands_a_vector_out_once_and_cancel_drops_batches_not_started() -> None:
    embedder = E5Embedding(engine="onnx")
    ahead = prefetch.EmbeddingPrefetch(embedder, budget_tokens=10_000)
    assert ahead.submit(["The lighthouse keeper counted ships.", "Ships came at dawn."], 20)
    assert not ahead.submit(["over the budget"], 10_000)
    vector = ahead.take("Ships came at dawn.")
    assert vector is not None
    np.testing.assert_allclose(vector, embedder.passage_vectors(["Ships came at dawn."])[0], atol=2e-5)
    assert ahead.take("Ships came at dawn.") is None and ahead.take("never submitted") is None
    for i in range(6):
        ahead.submit([f"Sentence number {i} about the harbour and its boats."] * 64, 64 * 14)
    queued = list(ahead._futures)
    ahead.cancel()
    assert any(f.cancelled() for f in queued[2:])  # batches still queued behind the running one
    assert ahead.take("Sentence number 5 about the harbour and its boats.") is None
