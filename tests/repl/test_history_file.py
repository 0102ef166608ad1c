"""The chat history holds every question typed; like the manifest it is readable by its owner only."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from bot.repl.input import history_path, open_history


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_history_file_is_private_whatever_the_umask(tmp_path: Path) -> None:
    path = history_path(tmp_path / "data")
    previous = os.umask(0o022)
    try:
        history = open_history(path)
    finally:
        os.umask(previous)
    history.store_string("what is my salary?")  # the first write keeps the mode
    assert _mode(path) == 0o600


def test_an_existing_world_readable_history_is_made_private(tmp_path: Path) -> None:
    path = history_path(tmp_path)
    path.write_text("\n# old\n+a question\n")
    path.chmod(0o644)
    open_history(path)
    assert _mode(path) == 0o600
    assert "+a question" in path.read_text()  # nothing lost
