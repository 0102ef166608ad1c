"""A running corpus watcher over a freshly indexed two-file corpus, for the watcher tests (real watchfiles, real
filesystem, real index)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from index.watch import start_watcher
from tests.index.docmaker import EN_TEXT, ES_TEXT
from tests.isolation import settings_for


class Watched:
    """A watcher over a freshly indexed corpus, with what it reported; notices go to the log (caplog)."""

    def __init__(self, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
        from index.ingest import build_index

        self.corpus = tmp_path / "corpus"
        self.corpus.mkdir()
        (self.corpus / "storm.txt").write_text(EN_TEXT, encoding="utf-8")
        (self.corpus / "fabrica.txt").write_text(ES_TEXT, encoding="utf-8")
        self.settings = settings_for(tmp_path / "data", self.corpus)
        build_index(self.settings)
        self.caplog = caplog
        self.reports: list = []
        self.errors: list = []
        ready = threading.Event()
        self.thread, self.stop = start_watcher(self.settings, self.reports.append, self.errors.append,
                                               on_ready=ready.set)
        assert ready.wait(30), "the watcher never went live"

    def wait_for(self, predicate: Callable[[object], bool], timeout: float = 15.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for report in list(self.reports):
                if predicate(report):
                    return report
            assert self.thread.is_alive(), "the watcher stopped"
            time.sleep(0.1)
        raise AssertionError(f"no matching index pass within {timeout} s; passes: {self.reports}; errors: "
                             f"{self.errors}; log: {self.caplog.text}")

    def lines(self, text: str) -> list[str]:
        """Every notice logged and error reported that mentions `text`."""
        logged = [r.getMessage() for r in self.caplog.records if r.name == "index.watch"]
        return [line for line in logged + [str(e) for e in self.errors] if text in line]

    def manifest_files(self) -> set[str]:
        from index.store import Store, reset_embedded_cache

        reset_embedded_cache()
        store = Store(self.settings)
        store.open(create=False)
        return set(store.read_manifest().files)
