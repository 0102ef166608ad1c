"""Index progress for the terminal: a rich progress bar on a TTY, plain lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import Any


def rate_line(done: int, total: int, seconds: float) -> str:
    """'embedded N/M tokens (R tok/s, ETA 1m05s)': the rate is the run's average so far, so the ETA does not
    jump with one long or short batch; no rate or ETA before anything was embedded."""
    line = f"embedded {done}/{total} tokens"
    if done <= 0 or seconds <= 0:
        return line
    rate = done / seconds
    left = round(max(total - done, 0) / rate)
    return f"{line} ({rate:.0f} tok/s, ETA {_duration(left)})"


def _duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class RichProgress:
    """A rich bar over e5 tokens embedded, with rate and time left; messages print above it."""

    def __init__(self, console: Any):
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self.console = console
        self._bar = Progress(TextColumn("embedding"), BarColumn(), TextColumn("{task.completed}/{task.total} tokens"),
                             TextColumn("{task.fields[rate]}"), TimeRemainingColumn(), console=console,
                             transient=True)
        self._started = 0.0
        self._task: Any = None

    def message(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False)

    def start(self, total_tokens: int) -> None:
        if total_tokens:
            self._bar.start()
            self._task = self._bar.add_task("embed", total=total_tokens, rate="")
            self._started = time.monotonic()

    def advance(self, tokens: int) -> None:
        if self._task is not None:
            done = self._bar.tasks[0].completed + tokens
            seconds = time.monotonic() - self._started
            rate = f"{done / seconds:.0f} tok/s" if seconds > 0 else ""
            self._bar.update(self._task, advance=tokens, rate=rate)

    def close(self) -> None:
        if self._task is not None:
            self._bar.stop()


class PlainProgress:
    """One line per message and at most one progress line every few seconds (logs, pipes, CI)."""

    def __init__(self, stream: Any = None, every: float = 2.0, clock: Any = time.monotonic):
        self.stream = stream or sys.stderr
        self.total = 0
        self.done = 0
        self.every = every
        self._clock = clock
        self._last = 0.0
        self._started = 0.0

    def message(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def start(self, total_tokens: int) -> None:
        self.total = total_tokens
        self._started = self._clock()
        if total_tokens:
            print(f"embedding {total_tokens} tokens", file=self.stream, flush=True)

    def advance(self, tokens: int) -> None:
        self.done += tokens
        now = self._clock()
        if now - self._last >= self.every or self.done >= self.total:
            self._last = now
            print(rate_line(self.done, self.total, now - self._started), file=self.stream, flush=True)

    def close(self) -> None:
        pass


def make_progress(stream: Any = None) -> RichProgress | PlainProgress:
    """A bar when `stream` (stderr by default) is a terminal, plain lines otherwise."""
    stream = stream or sys.stderr
    if stream.isatty():
        from rich.console import Console

        return RichProgress(Console(file=stream))
    return PlainProgress(stream)
