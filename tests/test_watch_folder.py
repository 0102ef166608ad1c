"""The corpus watcher (index/watch.py) against what users do to a watched folder (sweep of the watcher): replace
the folder or delete and make it again, keep the lock in another `citebot index` past the watcher's wait,
put documents where watchfiles' default filter looked away (node_modules), and name files with terminal
escapes. Real watchfiles, real filesystem, real index (two short documents: a few seconds to build)."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from index import watch as watch_module
from tests.watch_rig import Watched

FERRY = "The Varnholm ferry leaves the harbour at seven and carries exactly 212 bicycles.\n"


@pytest.fixture
def watched(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Iterator[Watched]:
    caplog.set_level(logging.INFO, logger="index.watch")
    state = Watched(tmp_path, caplog)
    yield state
    state.stop.set()
    state.thread.join(timeout=10)
    assert not state.thread.is_alive()


def test_watch_follows_a_corpus_folder_replaced_by_a_copy(watched: Watched, tmp_path: Path) -> None:
    """`cp -a docs docs.new; mv docs docs.old; mv docs.new docs`, then an edit in docs: the file watch stayed on
    docs.old, so the edit was never indexed. The watcher notices the new folder at the path and watches it."""
    corpus = watched.corpus
    shutil.copytree(corpus, tmp_path / "corpus.new", symlinks=True)
    corpus.rename(tmp_path / "corpus.old")
    (tmp_path / "corpus.new").rename(corpus)
    time.sleep(4)  # past the pass the swap itself may start, so that only a watch on the new folder sees the edit
    with (corpus / "storm.txt").open("a", encoding="utf-8") as handle:
        handle.write("\nThe keeper's daughter later gave the notebook to the harbour museum.\n")
    watched.wait_for(lambda r: r.updated == ["storm.txt"])
    (corpus / "ferry.txt").write_text(FERRY, encoding="utf-8")  # and the new folder stays watched
    watched.wait_for(lambda r: r.added == ["ferry.txt"])
    assert watched.manifest_files() == {"storm.txt", "fabrica.txt", "ferry.txt"}
    assert len(watched.lines("was replaced")) == 1


def test_watch_waits_for_a_deleted_corpus_folder_and_indexes_it_when_it_is_back(watched: Watched) -> None:
    """`rm -rf docs`, then docs made again: the watcher said "does not exist" once and never indexed again. It
    says so once, waits without exiting or spinning, and indexes the folder as it comes back."""
    corpus = watched.corpus
    shutil.rmtree(corpus)
    deadline = time.monotonic() + 10
    while not watched.lines("does not exist") and time.monotonic() < deadline:
        time.sleep(0.1)
    cpu = time.process_time()
    time.sleep(4)  # two identity checks while the folder is missing
    assert time.process_time() - cpu < 1.5  # waiting, not spinning
    assert watched.thread.is_alive()
    assert len(watched.lines("does not exist")) == 1, watched.caplog.text
    staging = corpus.parent / "staging"
    staging.mkdir()
    (staging / "ferry.txt").write_text(FERRY, encoding="utf-8")
    staging.rename(corpus)  # the folder comes back with its document in it
    watched.wait_for(lambda r: r.added == ["ferry.txt"] and sorted(r.removed) == ["fabrica.txt", "storm.txt"])
    assert watched.manifest_files() == {"ferry.txt"}
    with (corpus / "ferry.txt").open("a", encoding="utf-8") as handle:  # and the folder is watched again
        handle.write("On Sundays it leaves at eight.\n")
    watched.wait_for(lambda r: r.updated == ["ferry.txt"])


def test_watch_retries_a_pass_that_found_the_lock_taken(watched: Watched, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pass whose lock wait timed out (another `citebot index` kept writing) lost its changes until some other
    file changed. The watcher says it will retry, and indexes the change once the lock is free, unprompted."""
    from filelock import FileLock

    from index.local_state import LocalState

    monkeypatch.setattr(watch_module, "LOCK_WAIT_SECONDS", 1.0)
    monkeypatch.setattr(watch_module, "RETRY_SECONDS", 1.0)
    settings = watched.settings
    lock = FileLock(str(LocalState(Path(settings.data_dir), settings.collection).lock_path))
    lock.acquire(timeout=10)  # another `citebot index` is writing
    try:
        (watched.corpus / "ferry.txt").write_text(FERRY, encoding="utf-8")
        deadline = time.monotonic() + 15
        while not watched.lines("lock") and time.monotonic() < deadline:  # the pass gave up waiting
            time.sleep(0.1)
        assert watched.lines("lock"), watched.caplog.text
        assert watched.reports == []
    finally:
        lock.release()
    watched.wait_for(lambda r: r.added == ["ferry.txt"], timeout=15)  # no further change in the folder
    assert "ferry.txt" in watched.manifest_files()
    assert watched.lines("will try again in 1 s")  # it said so (once per pass that gave up)


def test_watch_indexes_a_document_in_node_modules(watched: Watched) -> None:
    """watchfiles' DefaultFilter drops node_modules, __pycache__ and the like, which `citebot index` indexes."""
    (watched.corpus / "node_modules").mkdir()
    (watched.corpus / "node_modules" / "railway.txt").write_text(FERRY, encoding="utf-8")
    watched.wait_for(lambda r: r.added == ["node_modules/railway.txt"])


def test_watch_cleans_file_names_in_its_corpus_changed_log_line(watched: Watched) -> None:
    name = "evil\x1b]0;owned\x07\x1b[2J\nname.txt"
    (watched.corpus / name).write_text(FERRY, encoding="utf-8")
    deadline = time.monotonic() + 15
    while not watched.lines("corpus changed") and time.monotonic() < deadline:
        time.sleep(0.1)
    lines = watched.lines("corpus changed")
    assert lines, watched.caplog.text
    assert all("\x1b" not in line and "\n" not in line and "\x07" not in line for line in lines), lines
    assert "evil name.txt" in lines[0]
