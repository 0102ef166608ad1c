"""Per-file streaming (index/ingest.py): a file's records go to the embedder in bounded batches as its chunks
come from iter_chunks, with the same records and ids as the whole-list functions (incremental reuse keys on
them)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from index_helpers import CORPUS, LANGUAGES

from index.chunk import e5_token_counter, iter_chunks
from index.embed import load_e5
from index.ingest import _record_batches
from index.load import load_document
from index.records import chunk_records, sentence_records


@pytest.mark.parametrize("size", [1, 3, 64])
def test_record_batches_equal_the_whole_file_records_and_stay_bounded(size: int) -> None:
    doc = load_document(CORPUS / "004_93b1566d212200ce.txt", CORPUS, LANGUAGES)
    e5_count = e5_token_counter(load_e5())
    chunks = list(iter_chunks(doc, 64, 16, e5_count))  # small chunks: many of them, sentences shared by overlaps
    assert len(chunks) > 6
    pulled = 0

    def lazy() -> Iterator:
        nonlocal pulled
        for chunk in chunks:
            pulled += 1
            yield chunk

    got: dict[bool, list] = {False: [], True: []}
    for is_sentence, batch in _record_batches(lazy(), size):
        assert 0 < len(batch) <= size
        assert pulled <= len(got[False]) + size  # never more than one batch of chunks read ahead
        got[is_sentence].extend(batch)
    assert got[False] == chunk_records(chunks)
    assert sorted(got[True], key=lambda r: r.metadata["position"]) == sentence_records(chunks)
