"""Index progress (bot/progress.py): plain lines carry the rate and the time left, from the run's average."""

from __future__ import annotations

import io

from bot.progress import PlainProgress, rate_line


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_rate_line_gives_rate_and_eta() -> None:
    assert rate_line(0, 1000, 0.0) == "embedded 0/1000 tokens"
    assert rate_line(250, 1000, 5.0) == "embedded 250/1000 tokens (50 tok/s, ETA 15s)"
    assert rate_line(100, 100_000, 10.0) == "embedded 100/100000 tokens (10 tok/s, ETA 2h46m)"
    assert rate_line(600, 6600, 60.0) == "embedded 600/6600 tokens (10 tok/s, ETA 10m00s)"


def test_plain_progress_prints_periodic_lines_with_rate_and_eta() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = PlainProgress(stream, every=2.0, clock=clock)
    progress.start(1000)
    clock.now += 1.0
    progress.advance(100)  # the first line comes at once
    clock.now += 1.0
    progress.advance(100)  # within `every` of the last line: silent
    clock.now += 2.0
    progress.advance(200)
    clock.now += 0.5
    progress.advance(600)  # the last one always prints
    assert stream.getvalue().splitlines() == [
        "embedding 1000 tokens",
        "embedded 100/1000 tokens (100 tok/s, ETA 9s)",
        "embedded 400/1000 tokens (100 tok/s, ETA 6s)",
        "embedded 1000/1000 tokens (222 tok/s, ETA 0s)",
    ]
