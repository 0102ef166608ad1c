"""`--watch` for `citebot index`, `chat` and `telegram`: the corpus folder indexed a few seconds after it
changes (index/watch.py does the watching), each pass summed up in one line.

`index --watch` watches in the foreground until Ctrl-C; `chat` and `telegram` watch on a daemon thread,
and their engine picks the new index up as it does one published by another process. When the watcher has
to wait (the corpus folder is gone, or another `citebot index` holds the lock) it says so in one line. A file
a pass skips gets the line `citebot index` prints for it (`skipped NAME: REASON`), once, not at every pass.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterable
from typing import Any

from index.errors import CitebotIndexError
from index.sanitize import clean_line
from index.watch import start_watcher, watch_corpus

logger = logging.getLogger(__name__)


def describe_pass(report: Any) -> str:
    """One line for a watched pass: what changed and the version now live (names cleaned: untrusted)."""
    parts = [f"{verb} {', '.join(clean_line(n) for n in names[:5])}{' …' if len(names) > 5 else ''}"
             for verb, names in (("added", report.added), ("updated", report.updated),
                                 ("removed", report.removed)) if names]
    if not parts:
        return "corpus changed; the index already matches it"
    return f"indexed {'; '.join(parts)} (index version {report.version}, {report.chunks} chunks)"


def describe_skipped(name: str, reason: str) -> str:
    """The line `citebot index` prints for a skipped file (index/ingest.py: _skip), name cleaned."""
    return f"skipped {clean_line(name)}: {reason}"


def watch_in_background(settings: Any, echo: Callable[[str], None] | None = None) -> threading.Event:
    """Start watching on a daemon thread; set the returned event to stop."""
    say = echo or logger.info

    def on_error(exc: CitebotIndexError) -> None:
        say(f"watched folder not indexed: {exc}")

    _, stop = start_watcher(settings, lambda report: say(describe_pass(report)), on_error,
                            on_notice=say, on_skipped=lambda name, reason: say(describe_skipped(name, reason)))
    return stop


def watch_forever(settings: Any, echo: Callable[[str], None], skipped: Iterable[tuple[str, str]] = ()) -> None:
    """`citebot index --watch`: index each batch of changes until Ctrl-C (then return quietly). `skipped`: the
    files the run before watching reported skipped, not reported again unless they change."""
    stop = threading.Event()
    # A process started in the background by a non-interactive shell (`citebot index --watch &`, CI runners)
    # inherits SIGINT as ignored, and Python then never raises KeyboardInterrupt: Ctrl-C or `kill -INT`
    # would not stop the watch. Watching is meant to be stopped that way, so take SIGINT back.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        # "watching" is said once the watcher is live: a change made after the line is never missed
        watch_corpus(settings, lambda report: echo(describe_pass(report)),
                     lambda exc: echo(f"not indexed: {exc}"), stop,
                     on_ready=lambda: echo(f"watching {settings.corpus} for changes (Ctrl-C to stop)"),
                     on_notice=echo, on_skipped=lambda name, reason: echo(describe_skipped(name, reason)),
                     skipped=skipped)
    except KeyboardInterrupt:
        stop.set()
