"""The corpus watcher while another `citebot index` holds the lock (index/watch.py: LOCK_WAIT_SECONDS,
RETRY_SECONDS), with the constants as shipped.

A pass waited up to 10 minutes for the lock (a rebuild holds it that long and more), during which the watcher
said nothing, saw no stop request and no further edit; then it retried 30 s later. It now waits a second, says
once that the pass is pending, keeps watching, and indexes every change made meanwhile as soon as the lock is
free."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import FileLock

from index.local_state import LocalState
from tests.watch_rig import Watched

FERRY = "The Varnholm ferry leaves the harbour at seven and carries exactly 212 bicycles.\n"
RAIL = "The coastal railway reopens in March with four trains a day to the lighthouse.\n"
HELD = "holds the lock"


class Watcher(Watched):
    """The watcher rig (tests/watch_rig.py) with a handle on the index lock another run would hold."""

    def __init__(self, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
        super().__init__(tmp_path, caplog)
        self.lock = FileLock(str(LocalState(Path(self.settings.data_dir), self.settings.collection).lock_path))

    def notices(self, text: str) -> list[str]:
        return [r.getMessage() for r in self.caplog.records if r.name == "index.watch" and text in r.getMessage()]

    def wait_notice(self, text: str, seconds: float) -> float:
        started = time.monotonic()
        while not self.notices(text):
            assert time.monotonic() - started < seconds, f"no {text!r} within {seconds} s: {self.caplog.text}"
            assert self.thread.is_alive(), "the watcher stopped"
            time.sleep(0.1)
        return time.monotonic() - started

    def indexed(self) -> set[str]:
        return {name for report in self.reports for name in report.added + report.updated}


@pytest.fixture
def watcher(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Iterator[Watcher]:
    caplog.set_level(logging.INFO, logger="index.watch")
    state = Watcher(tmp_path, caplog)
    yield state
    if state.lock.is_locked:
        state.lock.release()
    state.stop.set()
    state.thread.join(timeout=10)


def test_a_pass_blocked_by_the_lock_is_pending_and_no_change_is_lost(watcher: Watcher) -> None:
    watcher.lock.acquire(timeout=10)  # another `citebot index` (a rebuild, say) is writing
    (watcher.corpus / "ferry.txt").write_text(FERRY, encoding="utf-8")
    assert watcher.wait_notice(HELD, 10) < 10  # it says so within seconds, not after 10 minutes
    (watcher.corpus / "rail.txt").write_text(RAIL, encoding="utf-8")  # still watching: a further edit
    time.sleep(3.5)  # rail.txt's pass meets the lock too, and a retry finds it still taken
    assert watcher.reports == [] and watcher.thread.is_alive()
    assert len(watcher.notices(HELD)) == 1, watcher.caplog.text  # said once, not at every retry
    watcher.lock.release()
    deadline = time.monotonic() + 15
    while watcher.indexed() != {"ferry.txt", "rail.txt"}:  # both changes, without any further change
        assert time.monotonic() < deadline, f"passes: {watcher.reports}; log: {watcher.caplog.text}"
        time.sleep(0.1)


def test_the_watcher_stops_promptly_while_the_lock_is_held(watcher: Watcher) -> None:
    watcher.lock.acquire(timeout=10)
    (watcher.corpus / "ferry.txt").write_text(FERRY, encoding="utf-8")
    time.sleep(3)  # the change seen, settled, and its pass met the lock
    started = time.monotonic()
    watcher.stop.set()  # what Ctrl-C in `chat --watch` or the end of a bot does
    watcher.thread.join(timeout=10)
    assert not watcher.thread.is_alive() and time.monotonic() - started < 5
