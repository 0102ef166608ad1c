"""The `terminal` fixture: pseudo-terminal sessions that are always cleaned up."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from repl_helpers import Terminal

OpenTerminal = Callable[[Sequence[str], dict[str, str]], Terminal]


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[OpenTerminal]:
    """Open Terminals with `terminal(argv, env)`; each is killed at the end of the test if still running."""
    opened: list[Terminal] = []

    def open_terminal(argv: Sequence[str], env: dict[str, str]) -> Terminal:
        term = Terminal(argv, env, cwd=tmp_path)
        opened.append(term)
        return term

    yield open_terminal
    for term in opened:
        term.close()
