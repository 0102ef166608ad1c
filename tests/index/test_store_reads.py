"""Store reads (index/store.py): a few sentences are read by id, a whole document by metadata filter; both
give the same rows."""

from __future__ import annotations

from pathlib import Path

from index_helpers import settings_for

import index.store as store_module
from index.store import Store, reset_embedded_cache


def test_sentences_read_by_id_equal_those_read_by_filter(built_data_dir: Path, monkeypatch) -> None:
    reset_embedded_cache()
    store = Store(settings_for(built_data_dir))
    store.open(create=False)
    keys = sorted({str(m["doc_key"]) for _, _, m in store.iter_chunks()})
    # overlapping ranges (a question's neighbouring hits), one before the first sentence, one past the last
    ranges = [(keys[0], 0, 3), (keys[0], 2, 3), (keys[1], 5, 6), (keys[2], -1, 0), (keys[3], 10_000, 10_001)]
    by_id = store.get_sentences(ranges)
    monkeypatch.setattr(store_module, "_BY_ID", 0)  # every read by filter
    by_filter = store.get_sentences(ranges)
    rows = lambda found: sorted((i, t, m["position"], tuple(e)) for i, t, m, e in found)  # noqa: E731
    assert rows(by_id) == rows(by_filter) and len(by_id) == 4 + 2 + 1
    assert {m["doc_key"] for _, _, m, _ in by_id} == set(keys[:3])
