"""Run one piece of work on several threads released together: the concurrency tests' common harness."""

from __future__ import annotations

import threading
from collections.abc import Callable


def all_at_once(work: Callable[[], object], threads: int = 4, rounds: int = 1) -> list[BaseException]:
    """Run `work` on `threads` threads that start together (a barrier), `rounds` times; return what they raised."""
    failures: list[BaseException] = []
    for _ in range(rounds):
        gate = threading.Barrier(threads)

        def run(gate: threading.Barrier = gate) -> None:
            gate.wait()
            try:
                work()
            except BaseException as exc:  # noqa: BLE001 - returned to the test, which asserts on it
                failures.append(exc)

        started = [threading.Thread(target=run) for _ in range(threads)]
        for t in started:
            t.start()
        for t in started:
            t.join(timeout=60)
    return failures
