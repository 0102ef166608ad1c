"""BM25 state is saved by whoever needs it first: the pass that publishes a version, or a reader opening a
version whose state is missing. In `chat --watch` both run in one process at once, and two processes can do
the same; each must write its own temporary folder (a shared one was deleted under the other writer:
FileNotFoundError, and the watcher thread died)."""

from __future__ import annotations

from pathlib import Path

from index.lexical import LexicalIndex, save_lexical
from tests.concurrency import all_at_once

ROWS = [(f"c{i}", f"The Varnholm ferry number {i} carries bicycles across the harbour.", "en") for i in range(200)]


def test_concurrent_saves_of_one_version_all_succeed_and_leave_a_loadable_state(tmp_path: Path) -> None:
    target = tmp_path / "bm25" / "citebot-abcd1234-v3"
    lexical = LexicalIndex.build(ROWS)

    def save_ten_times() -> None:
        for _ in range(10):
            save_lexical(lexical, target)

    failures = all_at_once(save_ten_times, threads=4)
    assert not failures, repr(failures)
    loaded = LexicalIndex.load(target)
    assert loaded.search("ferry bicycles", 3)
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary folder left behind


def test_a_save_killed_midway_leaves_a_folder_the_next_publish_clears_once_stale(tmp_path: Path) -> None:
    import os
    import time

    from index.local_state import STALE_TMP_SECONDS, LocalState

    state = LocalState(tmp_path, "citebot")
    keep = state.bm25_dir("embedded", 4)
    abandoned = keep.parent / f".{state.bm25_dir('embedded', 3).name}.tmp-x1"
    fresh = keep.parent / f".{keep.name}.tmp-y2"
    for folder in (abandoned, fresh):
        folder.mkdir(parents=True)
    old = time.time() - STALE_TMP_SECONDS - 60
    os.utime(abandoned, (old, old))
    save_lexical(LexicalIndex.build(ROWS), keep)
    state.drop_other_bm25(keep)
    assert not abandoned.exists()
    assert fresh.exists()  # may be another writer's save in progress
