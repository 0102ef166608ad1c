"""The watched folder (issue 15): edits, additions, renames and deletions are indexed within seconds of
the last change, and a file still being written is indexed only once it is complete. Real watchfiles,
real embedder, real Chroma."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

import pytest

from index.watch import start_watcher, wait_until_stable
from tests.index.docmaker import EN_TEXT, ES_TEXT
from tests.isolation import settings_for


def _wait_for(reports: list, predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for when, report in list(reports):
            if predicate(report):
                return when, report
        time.sleep(0.1)
    raise AssertionError(f"no matching index pass within {timeout} s; passes: {[r for _, r in reports]}")


def _indexed(tmp_path: Path, files: dict[str, str]):
    """(corpus, settings) of a corpus holding `files` (name -> text), indexed once."""
    from index.ingest import build_index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = settings_for(tmp_path / "data", corpus)
    build_index(settings)
    return corpus, settings


@pytest.fixture
def watched(tmp_path: Path):
    corpus, settings = _indexed(tmp_path, {"storm.txt": EN_TEXT, "fabrica.txt": ES_TEXT})
    reports: list = []
    errors: list = []
    ready = threading.Event()
    thread, stop = start_watcher(settings, lambda r: reports.append((time.monotonic(), r)), errors.append,
                                 on_ready=ready.set)
    assert ready.wait(30), "the watcher never went live"
    yield corpus, settings, reports, errors
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()


def _manifest(settings):
    from index.store import Store

    store = Store(settings)
    store.open(create=False)
    return store.read_manifest()


def test_an_edit_is_indexed_within_ten_seconds(watched) -> None:
    corpus, settings, reports, errors = watched
    started = time.monotonic()
    with (corpus / "storm.txt").open("a", encoding="utf-8") as f:
        f.write("\nThe keeper's daughter later donated the notebook to the harbour museum.\n")
    when, report = _wait_for(reports, lambda r: r.updated == ["storm.txt"])
    assert when - started < 10
    assert report.unchanged == ["fabrica.txt"]
    entry = _manifest(settings).files["storm.txt"]
    assert entry.sha256 == hashlib.sha256((corpus / "storm.txt").read_bytes()).hexdigest()
    assert not errors


def test_a_file_added_before_the_watcher_is_live_is_indexed(tmp_path: Path) -> None:
    """Between an index pass and the file watcher's start (imports, registration: seconds on a busy machine),
    a file added gets no event: the watcher's first pass must catch it (it was never indexed before)."""
    corpus, settings = _indexed(tmp_path, {"storm.txt": EN_TEXT})
    (corpus / "fabrica.txt").write_text(ES_TEXT, encoding="utf-8")  # after the pass, before watching
    reports: list = []
    thread, stop = start_watcher(settings, lambda r: reports.append((time.monotonic(), r)), print)
    try:
        _wait_for(reports, lambda r: r.added == ["fabrica.txt"], timeout=30)
        assert set(_manifest(settings).files) == {"storm.txt", "fabrica.txt"}
    finally:
        stop.set()
        thread.join(timeout=10)


def test_a_live_watcher_with_nothing_to_catch_up_reports_no_pass(tmp_path: Path) -> None:
    corpus, settings = _indexed(tmp_path, {"storm.txt": EN_TEXT})
    reports: list = []
    ready = threading.Event()
    thread, stop = start_watcher(settings, reports.append, print, on_ready=ready.set)
    try:
        assert ready.wait(30)
        time.sleep(1.5)
        assert reports == []  # the catch-up pass found the index in line and said nothing
    finally:
        stop.set()
        thread.join(timeout=10)


def test_rename_and_delete_follow_the_folder(watched) -> None:
    corpus, settings, reports, _errors = watched
    (corpus / "storm.txt").rename(corpus / "lighthouse.txt")
    _wait_for(reports, lambda r: "lighthouse.txt" in r.added and "storm.txt" in r.removed)
    (corpus / "fabrica.txt").unlink()
    _wait_for(reports, lambda r: r.removed == ["fabrica.txt"])
    assert set(_manifest(settings).files) == {"lighthouse.txt"}


def test_a_growing_file_is_indexed_only_when_complete(watched) -> None:
    corpus, settings, reports, _errors = watched
    path = corpus / "growing.txt"
    paragraphs = [f"Paragraph {i} of the harbour log describes gale number {i} on the northern coast.\n\n"
                  for i in range(12)]
    with path.open("w", encoding="utf-8") as f:
        for paragraph in paragraphs:  # a slow copy: a write every 0.25 s for 3 s
            f.write(paragraph)
            f.flush()
            time.sleep(0.25)
    finished = time.monotonic()
    when, _report = _wait_for(reports, lambda r: "growing.txt" in r.added)
    assert when > finished
    assert [r for _, r in reports if "growing.txt" in r.updated] == []  # never indexed half-written first
    entry = _manifest(settings).files["growing.txt"]
    assert entry.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_emptied_corpus_is_reported_and_watching_goes_on(watched) -> None:
    corpus, _settings, reports, errors = watched
    for path in list(corpus.iterdir()):
        path.unlink()
    deadline = time.monotonic() + 10
    while not errors and time.monotonic() < deadline:
        time.sleep(0.1)
    assert errors and "corpus" in str(errors[0]).lower()
    (corpus / "back.txt").write_text(EN_TEXT, encoding="utf-8")
    _wait_for(reports, lambda r: "back.txt" in r.added)


def test_wait_until_stable_waits_for_a_writer_and_stops_on_request(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_text("a")
    stop = threading.Event()

    def writer() -> None:
        for _ in range(6):
            time.sleep(0.2)
            with path.open("a") as f:
                f.write("b")

    thread = threading.Thread(target=writer)
    thread.start()
    started = time.monotonic()
    assert wait_until_stable([path], stop, settle=0.5)
    assert time.monotonic() - started >= 1.2  # it waited for the writer's last append
    thread.join()
    stop.set()
    assert wait_until_stable([path], stop, settle=0.5) is False
