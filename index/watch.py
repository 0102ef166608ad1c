"""Keep the index in step with the corpus folder: changes are indexed a few seconds after the last one.

watchfiles (the Rust `notify` crate) hands changes on in batches: once a change is seen, a batch ends when
no further change arrives for `step` ms (watchfiles' default, 50 ms) or, at the latest, `debounce` ms after
its first change, so a batch never waits for the folder to be quiet. What does wait for quiet is the settle
step: a file that is still being written (its size or modification time still moving) is waited for until
it has kept both for `settle` seconds, so a half-copied PDF is never indexed. Each pass is an ordinary
incremental `build_index` under the data-dir lock: unchanged files cost a hash, and questions keep being
answered from the previous version until the new one is published.

The watcher follows the corpus *path*, not the folder it found there first: a folder replaced
(`mv docs docs.old; mv docs.new docs`) or deleted and made again is noticed within a few seconds (its
(st_dev, st_ino) changed), watched anew and indexed; while no folder is there, the watcher waits for one.
A pass that cannot take the lock (another `citebot index` is writing: a rebuild may hold it for hours) waits only
LOCK_WAIT_SECONDS, then goes back to watching, so further edits, a replaced folder and Ctrl-C are still seen; every
RETRY_SECONDS it looks whether the lock is free and runs the pending pass as soon as it is. No change is lost:
every pass compares the whole folder with the index, so the pending one covers every change made meanwhile.
Files a pass skips (empty, binary, unreadable) are reported once each, when first seen skipped (`on_skipped`).
"""

from __future__ import annotations

import logging
import os
import stat as stat_module
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from index.errors import CitebotIndexError, CorpusMissing, IndexBusy
from index.sanitize import clean_line
from index.settings import IndexSettings

logger = logging.getLogger(__name__)

# The longest a batch of changes is gathered (watchfiles' `debounce`): it is handed on as soon as 50 ms pass
# without a new change (watchfiles' `step`), or at the latest this long after its first change; it does not
# wait for a quiet second. The settle wait below, not this, makes sure the changed files are complete; changes
# that arrive during it (the rest of a folder being copied) come as the next batch, and a second pass.
DEBOUNCE_MS = 1000
# A changed file must keep its size and mtime this long before it is indexed. Copies and downloads
# write in bursts well under a second apart, so one quiet second means the writer is done.
SETTLE_SECONDS = 1.0
# A file that keeps growing longer than this (a log being appended to forever) is indexed as it is.
MAX_SETTLE_SECONDS = 300.0
# How often the watcher checks that the folder at the corpus path is still the one it watches (and, while
# there is none, whether one is back). A folder moved away or deleted takes its file watch with it.
IDENTITY_CHECK_SECONDS = 2.0
# How long a pass waits for another `citebot index` holding the data-dir lock before it goes back to watching
# with the pass pending: long enough to ride out a short run (a no-change run holds the lock ~0.2 s), short
# enough that the watcher never looks hung (it was 600 s, during which it saw no edit and no stop request).
LOCK_WAIT_SECONDS = 1.0
# While a pass is pending, how often the watcher checks (a non-blocking probe) whether the lock is free; the
# pass runs at the first check that finds it free. Both are read at call time (tests).
RETRY_SECONDS = 2.0


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:  # deleted or renamed away: nothing left to wait for
        return None
    return stat.st_size, stat.st_mtime_ns


def _identity(folder: Path) -> tuple[int, int] | None:
    """(st_dev, st_ino) of the folder at `folder` (links followed), or None when there is no folder there."""
    try:
        stat = os.stat(folder)
    except (OSError, ValueError):
        return None
    return (stat.st_dev, stat.st_ino) if stat_module.S_ISDIR(stat.st_mode) else None


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
                           ", ".join(clean_line(str(p)) for p, a, b in zip(paths, last, now, strict=True) if a != b))
            return True
        last = now


def _outside(data_dir: Path, corpus: Path | None = None) -> Callable[[object, str], bool]:
    """A watchfiles filter that leaves out exactly what the corpus scan (index/load.py: scan_corpus) leaves out:
    hidden files, and everything below a hidden folder of the corpus (never documents; uploads and editors write
    their temporary files so); and the data dir, when it sits inside the corpus (the watcher's own writes).

    Nothing else: watchfiles' DefaultFilter also drops node_modules, __pycache__, flycheck_* and the like,
    which the scan indexes, so a document there went unseen by the watcher. Without `corpus` only the file's own
    name is checked for a leading dot."""
    data = data_dir.resolve()
    roots: list[Path] = []
    if corpus is not None:  # watchfiles reports paths under the watched path as given, made absolute
        for root in (Path(os.path.abspath(corpus)), corpus.resolve()):
            if root not in roots:
                roots.append(root)

    def relative_parts(path: Path) -> tuple[str, ...]:
        for root in roots:
            try:
                return path.relative_to(root).parts
            except ValueError:
                continue
        return (path.name,)

    def keep(change: object, path: str) -> bool:
        candidate = Path(path)
        if any(part.startswith(".") for part in relative_parts(candidate)):
            return False
        try:
            resolved = candidate.resolve()
        except (RuntimeError, OSError):  # a link loop ("Symlink loop from ..."): not in the data dir; the scan skips it
            return True
        return data not in resolved.parents and resolved != data

    return keep


def _names(paths: list[Path]) -> str:
    """The changed files for the log, names cleaned (untrusted: escape sequences, newlines)."""
    return ", ".join(clean_line(p.name) for p in paths[:5]) + (" ..." if len(paths) > 5 else "")


# How often the watcher wakes while nothing changes (ms): only to notice that it is live (see watch_corpus), a
# stop request, a pass due again, and the corpus folder's identity; a wake-up with no change costs nothing but the loop.
IDLE_WAKE_MS = 500


def watch_corpus(settings: IndexSettings, on_report: Callable[[object], None],
                 on_error: Callable[[CitebotIndexError], None], stop: threading.Event,
                 debounce_ms: int = DEBOUNCE_MS, settle: float = SETTLE_SECONDS,
                 on_ready: Callable[[], None] | None = None,
                 on_notice: Callable[[str], None] | None = None,
                 on_skipped: Callable[[str, str], None] | None = None,
                 skipped: Iterable[tuple[str, str]] = ()) -> None:
    """Index every batch of changes in `settings.corpus` until `stop` is set (blocks the caller).

    A change made before the file watcher is live would never be reported to it, so once it is live a first
    pass brings the index in line with the folder (a hash per unchanged file); only then is `on_ready`
    called: from that moment every change is seen. `on_report` gets each pass's IndexReport (the first pass's,
    and that of a folder watched anew, only when it changed something); `on_error` gets a pass's user-facing
    failure (an emptied corpus), after which watching goes on. `on_notice` (default: a warning in the log)
    gets one line when the watcher has to wait or start over: the corpus folder is gone (it waits for it to
    come back), was replaced (it watches the new one and indexes it), or another `citebot index` holds the lock
    (the pass stays pending and runs once the lock is free; said once per wait). `on_skipped(name, reason)`
    (default: the log) gets each file a pass skipped that the watcher has not reported skipped for that reason
    before, just before that pass's report; `skipped` are those already reported (by the run before watching).
    """
    from watchfiles import watch

    from index.ingest import build_index, index_busy

    corpus = Path(settings.corpus)
    notice = on_notice or (lambda line: logger.warning("%s", line))
    say_skipped = on_skipped or (lambda name, reason: logger.info("skipped %s: %s", clean_line(name), reason))
    keep = _outside(Path(settings.data_dir), corpus)
    retry_at: float | None = None  # when to look again whether the lock is free (a pass is pending meanwhile)
    retry_quiet = True  # whether the pending pass may stay silent when it changes nothing
    known_skips: set[tuple[str, str]] = set(skipped)  # skipped files reported so far (name, reason)

    def index_pass(quiet_when_unchanged: bool) -> None:
        nonlocal retry_at, retry_quiet, known_skips
        waiting, retry_at = retry_at is not None, None
        quiet = quiet_when_unchanged and (retry_quiet or not waiting)  # a pending loud pass stays loud
        try:
            report = build_index(settings, wait_seconds=LOCK_WAIT_SECONDS)
        except IndexBusy:
            retry_at, retry_quiet = time.monotonic() + RETRY_SECONDS, quiet
            if not waiting:
                notice(f"not indexed yet: another `citebot index` holds the lock on {settings.data_dir}; still "
                       f"watching; the watcher will try again in {RETRY_SECONDS:g} s and as soon as it is free")
            return
        except CorpusMissing as exc:
            if _identity(corpus) is None:  # gone meanwhile: the watch loop says so once and waits for it
                return
            on_error(exc)
            return
        except CitebotIndexError as exc:
            on_error(exc)
            return
        except Exception:  # an unforeseen failure of one pass must not end the watching: the next change retries
            logger.exception("an index pass of the watched folder failed; watching goes on")
            return
        now_skipped = set(report.skipped)
        for name, reason in sorted(now_skipped - known_skips):
            say_skipped(name, reason)
        known_skips = now_skipped  # a file skipped again later, after it was fixed, is reported again
        if not quiet or report.added or report.updated or report.removed:
            on_report(report)

    ready = False
    watched: tuple[int, int] | None = None  # the folder last watched at the corpus path
    missing = False
    while not stop.is_set():
        identity = _identity(corpus)
        if identity is None:
            if not missing:
                missing = True
                notice(f"corpus folder {corpus} does not exist (deleted or moved away); "
                       "waiting for it to come back")
            stop.wait(IDENTITY_CHECK_SECONDS)
            continue
        if missing:
            notice(f"corpus folder {corpus} is back; watching and indexing it")
        elif watched is not None and identity != watched:
            notice(f"corpus folder {corpus} was replaced; watching and indexing the new one")
        missing, watched = False, identity
        changes_seen = watch(corpus, watch_filter=keep, debounce=debounce_ms, stop_event=stop, raise_interrupt=False,
                             rust_timeout=IDLE_WAKE_MS, yield_on_timeout=True)
        live = False
        next_check = time.monotonic() + IDENTITY_CHECK_SECONDS
        try:
            for changes in changes_seen:
                if not live:  # the first wake-up: the watcher is registered
                    live = True
                    if not changes:  # (changes seen already lead to a pass below, which catches up as well)
                        index_pass(quiet_when_unchanged=True)
                    if not ready and on_ready is not None:
                        on_ready()
                    ready = True
                if changes or time.monotonic() >= next_check:
                    next_check = time.monotonic() + IDENTITY_CHECK_SECONDS
                    if _identity(corpus) != identity:  # moved away, deleted or replaced: watch the path anew
                        break
                if changes:
                    paths = sorted({Path(p) for _, p in changes})
                    logger.info("corpus changed: %s", _names(paths))
                    if not wait_until_stable(paths, stop, settle):
                        return
                    index_pass(quiet_when_unchanged=False)
                elif retry_at is not None and time.monotonic() >= retry_at:
                    if index_busy(settings):  # still taken: look again later, without waiting on it
                        retry_at = time.monotonic() + RETRY_SECONDS
                    else:
                        index_pass(quiet_when_unchanged=retry_quiet)
            else:  # the watch ended by itself: stopped, or interrupted (Ctrl-C while watchfiles waited)
                return
        except FileNotFoundError:  # raised by the watch's start: the folder went away since the check above
            if live or _identity(corpus) is not None:
                raise
        finally:
            changes_seen.close()


def start_watcher(settings: IndexSettings, on_report: Callable[[object], None],
                  on_error: Callable[[CitebotIndexError], None],
                  on_ready: Callable[[], None] | None = None,
                  on_notice: Callable[[str], None] | None = None,
                  on_skipped: Callable[[str, str], None] | None = None) -> tuple[threading.Thread, threading.Event]:
    """`watch_corpus` on a daemon thread (for `chat --watch` and `telegram --watch`); set the event to stop."""
    stop = threading.Event()

    def run() -> None:
        try:
            watch_corpus(settings, on_report, on_error, stop, on_ready=on_ready, on_notice=on_notice,
                         on_skipped=on_skipped)
        except Exception:  # the watcher must never take the front end down with it
            logger.exception("the corpus watcher stopped")

    thread = threading.Thread(target=run, name="citebot-watch", daemon=True)
    thread.start()
    return thread, stop
