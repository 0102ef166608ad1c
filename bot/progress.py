"""Index progress for the terminal: a rich progress bar on a TTY, plain lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import Any


class RichProgress:
    """A rich bar over e5 tokens embedded; messages print above it."""

    def __init__(self, console: Any):
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self.console = console
        self._bar = Progress(TextColumn("embedding"), BarColumn(), TextColumn("{task.completed}/{task.total} tokens"),
                             TimeRemainingColumn(), console=console, transient=True)
        self._task: Any = None

    def message(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False)

    def start(self, total_tokens: int) -> None:
        if total_tokens:
            self._bar.start()
            self._task = self._bar.add_task("embed", total=total_tokens)

    def advance(self, tokens: int) -> None:
        if self._task is not None:
            self._bar.advance(self._task, tokens)

    def close(self) -> None:
        if self._task is not None:
            self._bar.stop()


class PlainProgress:
    """One line per message and at most one progress line every few seconds (logs, pipes, CI)."""

    def __init__(self, stream: Any = None, every: float = 2.0):
        self.stream = stream or sys.stderr
        self.total = 0
        self.done = 0
        self.every = every
        self._last = 0.0

    def message(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def start(self, total_tokens: int) -> None:
        self.total = total_tokens
        if total_tokens:
            print(f"embedding {total_tokens} tokens", file=self.stream, flush=True)

    def advance(self, tokens: int) -> None:
        self.done += tokens
        now = time.monotonic()
        if now - self._last >= self.every or self.done >= self.total:
            self._last = now
            print(f"embedded {self.done}/{self.total} tokens", file=self.stream, flush=True)

    def close(self) -> None:
        pass


def make_progress(stream: Any = None) -> RichProgress | PlainProgress:
    """A bar when `stream` (stderr by default) is a terminal, plain lines otherwise."""
    stream = stream or sys.stderr
    if stream.isatty():
        from rich.console import Console

        return RichProgress(Console(file=stream))
    return PlainProgress(stream)
