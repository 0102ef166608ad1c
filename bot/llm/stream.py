"""Run an LLM call in a worker thread so a hung server can never hold an answer past its deadline.

HTTP client timeouts bound each read, not the whole reply, and a server that trickles bytes can
keep a read alive for ever. Here the caller waits on a queue instead: it gives up when no text has
arrived for `timeout` seconds (or the whole reply takes longer than `TOTAL_FACTOR` times that),
and the abandoned worker ends at its client's own timeout.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator

logger = logging.getLogger(__name__)

TOTAL_FACTOR = 4.0  # a streaming reply may run this many timeouts in all, if text keeps coming
_ITEM, _DONE, _ERROR = "item", "done", "error"


class LLMFailure(Exception):
    """The model gave no usable reply (timeout, connection error, HTTP error, malformed stream)."""


class LLMTimeout(LLMFailure):
    """The model did not answer within the configured timeout."""


def describe(exc: BaseException) -> str:
    """A short, key-free description of a client error for logs."""
    text = " ".join(str(exc).split())[:200]
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


def _work(produce: Callable[[], Iterable[str]], out: queue.Queue, stop: threading.Event) -> None:
    pieces: Iterable[str] | None = None
    try:
        pieces = produce()
        for piece in pieces:
            if stop.is_set():
                return
            out.put((_ITEM, piece))
        out.put((_DONE, None))
    except BaseException as exc:  # noqa: B036 - handed to the waiting caller, never swallowed
        out.put((_ERROR, exc))
    finally:
        close = getattr(pieces, "close", None)
        if callable(close):
            try:
                close()  # releases the HTTP response when the caller gave up early
            except Exception:  # pragma: no cover - best effort
                pass


def with_deadline(produce: Callable[[], Iterable[str]], timeout: float) -> Iterator[str]:
    """Yield what `produce()` yields; LLMTimeout on silence past `timeout`, LLMFailure on any error."""
    out: queue.Queue = queue.Queue()
    stop = threading.Event()
    threading.Thread(target=_work, args=(produce, out, stop), name="citebot-llm", daemon=True).start()
    final_deadline = time.monotonic() + timeout * TOTAL_FACTOR
    try:
        while True:
            wait = min(timeout, final_deadline - time.monotonic())
            if wait <= 0:
                raise LLMTimeout(f"the reply took longer than {timeout * TOTAL_FACTOR:.1f} s")
            try:
                kind, value = out.get(timeout=wait)
            except queue.Empty:
                raise LLMTimeout(f"no reply within {timeout:.1f} s") from None
            if kind == _DONE:
                return
            if kind == _ERROR:
                raise LLMFailure(describe(value)) from value
            yield value
    finally:
        stop.set()
