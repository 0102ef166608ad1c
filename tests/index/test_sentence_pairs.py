"""Sentence pairs: each sentence embedded together with the one before it (across a paragraph break too), the
vector stored in the sentence's metadata and read back with the sentence (index/sentence_pairs.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from docmaker import write

from index.sentence_pairs import PAIR_KEY, PAIR_PART_CHARS, decode, encode, pair_text

TEXT = (
    "The Brenna lighthouse stands on a granite spur north of the harbour. "
    "Its lamp was first lit in 1871 by the keeper Tomas Arvid.\n\n"
    "The tower was painted red after a storm in 1903. "
    "Sailors had complained that it vanished against the cliffs. "
    "The red paint is renewed every seven years.\n"
)


def _unit(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=384).astype(np.float32)
    return v / np.linalg.norm(v)


def test_an_encoded_vector_comes_back_within_rounding() -> None:
    for seed in range(5):
        v = _unit(seed)
        raw = encode(v)
        assert isinstance(raw, str) and len(raw) < 600  # flat metadata, a few hundred characters
        back = decode(raw)
        assert back is not None and float(back @ v) > 0.9999


@pytest.mark.parametrize("raw", ["", "not base64!", "AAAA", encode(_unit(1))[:-8], "QUJD" * 200])
def test_a_missing_or_malformed_pair_reads_as_none(raw: str) -> None:
    """The store is untrusted input: a damaged value must not reach a dot product with the wrong shape."""
    assert decode(raw) is None


def test_a_pair_is_the_sentence_before_then_the_sentence() -> None:
    assert pair_text("It rained.", "The match went on.") == "It rained. The match went on."
    assert pair_text("", "A paragraph opens here.") == ""
    # a run-on "sentence" (a paragraph with no full stop) does not make its pair unboundedly long
    long_before, long_text = "a " * 10_000 + "END.", "START " + "b " * 10_000
    pair = pair_text(long_before, long_text)
    assert len(pair) <= 2 * PAIR_PART_CHARS + 1 and "END. START" in pair


def test_sentence_records_carry_the_sentence_before_even_across_a_paragraph_break(tmp_path: Path) -> None:
    from index.chunk import chunk_document, e5_token_counter
    from index.embed import load_e5
    from index.load import load_document
    from index.records import sentence_records

    write(tmp_path / "c" / "lighthouse.txt", TEXT)
    doc = load_document(tmp_path / "c" / "lighthouse.txt", tmp_path / "c", ("en",))
    chunks = chunk_document(doc, 192, 32, e5_token_counter(load_e5()))
    records = sentence_records(chunks)
    assert [r.metadata[PAIR_KEY] for r in records] == [""] * 5  # filled in once the pair is embedded
    assert [bool(r.pair) for r in records] == [False, True, True, True, True]  # only the document's first has none
    assert records[1].pair == f"{records[0].text} {records[1].text}"
    assert records[2].pair == f"{records[1].text} {records[2].text}"  # a paragraph's first: the last one before
    assert records[3].pair.startswith("The tower was painted red")
    plain = sentence_records(chunks, pairs=False)
    assert all(PAIR_KEY not in r.metadata and r.pair == "" for r in plain)


def test_an_index_stores_pair_vectors_and_the_retriever_reads_them(tmp_path: Path) -> None:
    from index.embed import E5Embedding
    from index.ingest import build_index
    from index.retrieve import Retriever
    from tests.isolation import settings_for

    write(tmp_path / "corpus" / "lighthouse.txt", TEXT)
    question = "When was the lamp of the Brenna lighthouse first lit?"
    got, reports = {}, {}
    for pairs in (True, False):
        settings = settings_for(tmp_path / f"data-{pairs}", tmp_path / "corpus", sentence_pairs=pairs)
        reports[pairs] = build_index(settings)
        retrieval = Retriever(settings).retrieve(question, language="en")
        got[pairs] = {s.position: s for p in retrieval.passages for s in p.sentences}
        assert set(got[pairs]) == {0, 1, 2, 3, 4}
        assert all(s.paired == pairs for s in got[pairs].values())
    assert all(s.pair is None for s in got[False].values())
    sentences = got[True]
    assert sentences[0].pair is None  # the document's first sentence
    embedder = E5Embedding.for_settings(settings)
    texts = [f"{sentences[p - 1].text} {sentences[p].text}" for p in (1, 2, 3, 4)]
    expected = embedder.passage_vectors(texts)
    for position, vector in zip((1, 2, 3, 4), expected, strict=True):
        assert float(sentences[position].pair @ vector) > 0.999
        assert float(sentences[position].pair @ sentences[position].embedding) < 0.99  # not its own vector
    # the pairs are embedding work too: the run counts their tokens (its progress bar's total includes them)
    pair_tokens = sum(embedder.model.token_count(t) for t in texts)
    assert reports[True].embedded_tokens - reports[False].embedded_tokens == pair_tokens


def test_index_runs_and_sources_say_which_documents_lack_pairs_until_a_rebuild(tmp_path: Path) -> None:
    """Files indexed before pairs (here: with the setting off) keep answering with the unpaired model; an index
    run that leaves them as they are and the listing say so and how to add them, until they are re-indexed."""
    import json

    from index_helpers import Lines

    from bot.app import document_listing
    from index.ingest import build_index
    from tests.isolation import settings_for

    write(tmp_path / "corpus" / "lighthouse.txt", TEXT)
    write(tmp_path / "corpus" / "harbour.txt", "The harbour froze in 1947. Ships waited outside for a week.\n")
    build_index(settings_for(tmp_path / "data", tmp_path / "corpus", sentence_pairs=False))
    settings = settings_for(tmp_path / "data", tmp_path / "corpus")  # the default: pairs wanted
    unchanged = Lines()
    report = build_index(settings, progress=unchanged)  # nothing changed: the no-change shortcut says it too
    assert report.embedded_texts == 0
    assert any("2 documents were indexed without sentence pairs" in line for line in unchanged.lines)
    listing = document_listing(settings)
    assert "2 documents were indexed without sentence pairs" in listing and "--rebuild" in listing
    assert [d["sentence_pairs"] for d in json.loads(document_listing(settings, as_json=True))["documents"]] == \
        [False, False]
    write(tmp_path / "corpus" / "harbour.txt", "The harbour froze in 1947. Ships waited outside for ten days.\n")
    messages = Lines()
    build_index(settings, progress=messages)  # the changed file gets pairs; the other stays as it was
    assert any("1 document was indexed without sentence pairs" in line for line in messages.lines)
    assert [d["sentence_pairs"] for d in json.loads(document_listing(settings, as_json=True))["documents"]] == \
        [True, False]
    rebuilt = Lines()
    build_index(settings, rebuild=True, progress=rebuilt)
    assert not any("without sentence pairs" in line for line in rebuilt.lines)
    assert "without sentence pairs" not in document_listing(settings)
