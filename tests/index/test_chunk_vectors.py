"""Chunk vectors pooled from the sentences' vectors (index/chunk_vectors.py): no text is embedded twice, a
chunk's vector is the character-weighted mean of its sentences', and a resumed run pools from the sentences
an interrupted one stored."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from index_helpers import CORPUS, LANGUAGES, settings_for, stored_manifest

from index.dry_run import dry_run
from index.ingest import build_index


def _vectors(settings) -> tuple[dict[str, tuple[dict, np.ndarray]], dict[str, tuple[dict, np.ndarray]]]:
    """(chunks, sentences): id -> (metadata, vector) of everything stored."""
    from index.store import Store, reset_embedded_cache

    reset_embedded_cache()
    store = Store(settings)
    store.open(create=False)
    out = []
    for collection in (store._chunks, store._sentences):
        got = collection.get(include=["metadatas", "embeddings"])
        out.append({i: (m, np.asarray(e, dtype=np.float32))
                    for i, m, e in zip(got["ids"], got["metadatas"], got["embeddings"], strict=True)})
    return out[0], out[1]


def _long_corpus(tmp_path: Path) -> Path:
    """The first paragraphs of a Spanish article of the bundled corpus: enough for a dozen overlapping chunks
    of 48 tokens (more would only make the four builds below slower)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = (CORPUS / "001_af1fd91c05668dea.txt").read_text(encoding="utf-8")
    (corpus / "chips.txt").write_text(text[:text.index("\n\n", 2500)] + "\n", encoding="utf-8")
    return corpus


def test_a_chunk_vector_is_the_weighted_mean_of_its_sentences_and_only_sentences_are_embedded(
        tmp_path: Path) -> None:
    corpus = _long_corpus(tmp_path)
    settings = settings_for(tmp_path / "data", corpus, chunk_size=48, chunk_overlap=16, chunk_vectors="sentences")
    report = build_index(settings)
    chunks, sentences = _vectors(settings)
    assert len(chunks) > 3
    by_position = {int(m["position"]): (m, v) for m, v in sentences.values()}
    for meta, vector in chunks.values():
        parts = [by_position[p] for p in range(int(meta["s_first"]), int(meta["s_last"]) + 1)]
        weights = [max(1, min(m["end"], meta["end"]) - max(m["start"], meta["start"])) for m, _ in parts]
        expected = np.average([v for _, v in parts], axis=0, weights=weights)
        assert np.allclose(vector, expected / np.linalg.norm(expected), atol=1e-5)
    entry = stored_manifest(settings).files["chips.txt"]
    assert entry.chunk_vectors == "sentences"
    # what the embedder ran on: the sentences (and their pairs) alone, as the dry run says beforehand
    planned = dry_run(corpus, LANGUAGES, 48, 16, chunk_vectors="sentences")
    assert report.embedded_tokens == planned.tokens == planned.sentence_tokens + planned.pair_tokens
    assert report.embedded_texts == len(chunks) + len(sentences)


def test_the_passage_scheme_embeds_each_chunk_itself(tmp_path: Path) -> None:
    from index.embed import E5Embedding

    corpus = _long_corpus(tmp_path)
    settings = settings_for(tmp_path / "data", corpus, chunk_size=48, chunk_overlap=16)  # the default
    report = build_index(settings)
    chunks, _ = _vectors(settings)
    ids = sorted(chunks)
    own = E5Embedding(engine=settings.embedder).passage_vectors([_text(settings, i) for i in ids])
    for cid, vector in zip(ids, own, strict=True):
        assert float(chunks[cid][1] @ vector) > 0.9999
    planned = dry_run(corpus, LANGUAGES, 48, 16, chunk_vectors="passage")
    assert report.embedded_tokens == planned.tokens == planned.chunk_tokens + planned.sentence_tokens + \
        planned.pair_tokens
    assert stored_manifest(settings).files["chips.txt"].chunk_vectors == "passage"


def _text(settings, chunk_id: str) -> str:
    from index.store import Store

    store = Store(settings)
    store.open(create=False)
    return store._chunks.get(ids=[chunk_id], include=["documents"])["documents"][0]


class Interrupted(Exception):
    pass


def test_a_resumed_run_pools_chunks_from_the_sentences_an_interrupted_run_stored(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import index.batch_writer as batch_writer

    corpus = _long_corpus(tmp_path)
    clean = settings_for(tmp_path / "clean", corpus, chunk_size=48, chunk_overlap=16, embed_batch_size=4,
                         chunk_vectors="sentences")
    build_index(clean)
    settings = settings_for(tmp_path / "data", corpus, chunk_size=48, chunk_overlap=16, embed_batch_size=4,
                            chunk_vectors="sentences")
    real = batch_writer.store_batch
    chunk_batches: list[int] = []

    def die_at_the_second_chunk_batch(store, embedder, batch, *args, **kwargs):
        if not batch.is_sentence:
            chunk_batches.append(len(batch.records))
            if len(chunk_batches) == 2:
                raise Interrupted
        real(store, embedder, batch, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(batch_writer, "store_batch", die_at_the_second_chunk_batch)
        with pytest.raises(Interrupted):
            build_index(settings)
    report = build_index(settings)  # the sentences of the second group are stored: reused, not embedded
    planned = dry_run(corpus, LANGUAGES, 48, 16, chunk_vectors="sentences")
    assert 0 < report.embedded_tokens < planned.tokens
    (chunks, sentences), (clean_chunks, clean_sentences) = _vectors(settings), _vectors(clean)
    assert sorted(chunks) == sorted(clean_chunks) and sorted(sentences) == sorted(clean_sentences)
    for cid, (_, vector) in chunks.items():
        assert np.allclose(vector, clean_chunks[cid][1], atol=1e-5)
