"""Keep the index in step with the corpus folder: changes are indexed a few seconds after the last one.

watchfiles (the Rust `notify` crate) reports changes in batches once the folder has been quiet for
`debounce` ms. A file that is still being written (its size or modification time still moving) is
waited for until it has kept both for `settle` seconds, so a half-copied PDF is never indexed. Each
pass is an ordinary incremental `build_index` under the data-dir lock: unchanged files cost a hash,
and questions keep being answered from the previous version until the new one is published.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from index.errors import CitebotIndexError
from index.settings import IndexSettings

logger = logging.getLogger(__name__)

# Quiet time before a batch of changes is handed on: an editor saves in several steps (temp file,
# rename, chmod) and a copy of a folder arrives file by file; one second folds those into one pass.
DEBOUNCE_MS = 1000
# A changed file must keep its size and mtime this long before it is indexed. Copies and downloads
# write in bursts well under a second apart, so one quiet second means the writer is done.
SETTLE_SECONDS = 1.0
# A file that keeps growing longer than this (a log being appended to forever) is indexed as it is.
MAX_SETTLE_SECONDS = 300.0


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:  # deleted or renamed away: nothing left to wait for
        return None
    return stat.st_size, stat.st_mtime_ns


def wait_until_stable(paths: Iterable[Path], stop: threading.Event, settle: float = SETTLE_SECONDS,
                      limit: float = MAX_SETTLE_SECONDS) -> bool:
    """True once every path has kept its size and mtime for `settle` seconds; False when stopped."""
    paths = list(paths)
    deadline = time.monotonic() + limit
    last = [_signature(p) for p in paths]
    while True:
        if stop.wait(settle):
            return False
        now = [_signature(p) for p in paths]
        if now == last:
            return True
        if time.monotonic() > deadline:
            logger.warning("still changing after %.0f s; indexing as it is: %s", limit,
                           ", ".join(str(p) for p, a, b in zip(paths, last, now, strict=True) if a != b))
            return True
        last = now


def _outside(data_dir: Path) -> Callable[[object, str], bool]:
    """A watchfiles filter that ignores the data dir (when it sits inside the corpus), editor litter, and hidden
    files (never documents: scan_corpus leaves them out; uploads and editors write their temporary files so)."""
    from watchfiles import DefaultFilter

    default = DefaultFilter()
    data = data_dir.resolve()

    def keep(change: object, path: str) -> bool:
        if Path(path).name.startswith("."):
            return False
        try:
            resolved = Path(path).resolve()
        except (RuntimeError, OSError):  # a link loop ("Symlink loop from ..."): not in the data dir; the scan skips it
            return bool(default(change, path))  # type: ignore[arg-type]
        return default(change, path) and data not in resolved.parents and resolved != data  # type: ignore[arg-type]

    return keep


# How often the watcher wakes while nothing changes (ms): only to notice that it is live (see watch_corpus) and a
# stop request; a wake-up with no change costs nothing but the loop.
IDLE_WAKE_MS = 500


def watch_corpus(settings: IndexSettings, on_report: Callable[[object], None],
                 on_error: Callable[[CitebotIndexError], None], stop: threading.Event,
                 debounce_ms: int = DEBOUNCE_MS, settle: float = SETTLE_SECONDS,
                 on_ready: Callable[[], None] | None = None) -> None:
    """Index every batch of changes in `settings.corpus` until `stop` is set (blocks the caller).

    A change made before the file watcher is live would never be reported to it, so once it is live a first
    pass brings the index in line with the folder (a hash per unchanged file); only then is `on_ready`
    called: from that moment every change is seen. `on_report` gets each pass's IndexReport (the first pass's
    only when it changed something); `on_error` gets a pass's user-facing failure (an emptied corpus, a busy
    lock), after which watching goes on.
    """
    from watchfiles import watch

    from index.ingest import build_index

    def index_pass(quiet_when_unchanged: bool) -> None:
        try:
            report = build_index(settings, wait_seconds=600)
        except CitebotIndexError as exc:
            on_error(exc)
            return
        except Exception:  # an unforeseen failure of one pass must not end the watching: the next change retries
            logger.exception("an index pass of the watched folder failed; watching goes on")
            return
        if not quiet_when_unchanged or report.added or report.updated or report.removed:
            on_report(report)

    corpus = Path(settings.corpus)
    live = False
    for changes in watch(corpus, watch_filter=_outside(Path(settings.data_dir)), debounce=debounce_ms,
                         stop_event=stop, raise_interrupt=False, rust_timeout=IDLE_WAKE_MS, yield_on_timeout=True):
        if not live:  # the first wake-up: the watcher is registered
            live = True
            if not changes:  # (changes seen already lead to a pass below, which catches up as well)
                index_pass(quiet_when_unchanged=True)
            if on_ready is not None:
                on_ready()
        if not changes:
            continue
        paths = sorted({Path(p) for _, p in changes})
        logger.info("corpus changed: %s", ", ".join(p.name for p in paths[:5]) + (" ..." if len(paths) > 5 else ""))
        if not wait_until_stable(paths, stop, settle):
            return
        index_pass(quiet_when_unchanged=False)


def start_watcher(settings: IndexSettings, on_report: Callable[[object], None],
                  on_error: Callable[[CitebotIndexError], None],
                  on_ready: Callable[[], None] | None = None) -> tuple[threading.Thread, threading.Event]:
    """`watch_corpus` on a daemon thread (for `chat --watch` and `telegram --watch`); set the event to stop."""
    stop = threading.Event()

    def run() -> None:
        try:
            watch_corpus(settings, on_report, on_error, stop, on_ready=on_ready)
        except Exception:  # the watcher must never take the front end down with it
            logger.exception("the corpus watcher stopped")

    thread = threading.Thread(target=run, name="citebot-watch", daemon=True)
    thread.start()
    return thread, stop
