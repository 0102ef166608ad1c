"""Where `citebot chat` gets its lines: prompt_toolkit on a terminal, plain lines from a pipe.

Both are iterators of lines, so the REPL loop is the same for a person typing and for a script.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.history import FileHistory, History, InMemoryHistory

logger = logging.getLogger(__name__)

HISTORY_FILE = "chat_history"
PROMPT = FormattedText([("bold ansicyan", "citebot> ")])


class CommandCompleter(Completer):
    """Tab completes /commands at the start of the line and nothing else (questions are free text)."""

    def __init__(self, commands: Iterable[str]):
        self.commands = sorted(commands)

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        text = document.text_before_cursor
        if not text.startswith("/") or " " in text:
            return
        for name in self.commands:
            if name.startswith(text):
                yield Completion(name, start_position=-len(text))


def history_path(data_dir: Path) -> Path:
    """The history file: one per data dir, next to the index it was asked against."""
    return Path(data_dir) / HISTORY_FILE


def open_history(path: Path) -> History:
    """FileHistory at `path`, readable by its owner only (it holds every question asked, like the
    manifest next to it); in-memory when the folder cannot be written (history is a convenience)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        os.chmod(path, 0o600)  # a file an older citebot created world-readable
        return FileHistory(str(path))
    except OSError as exc:
        logger.warning("chat history not saved (%s): %s", path, exc)
        return InMemoryHistory()


def terminal_lines(history: History, commands: Iterable[str]) -> Iterator[str]:
    """Lines typed at the prompt; Ctrl-C drops the current line, Ctrl-D ends the iteration."""
    session: PromptSession[str] = PromptSession(
        history=history, auto_suggest=AutoSuggestFromHistory(), completer=CommandCompleter(commands),
        complete_while_typing=False, enable_history_search=False)
    while True:
        try:
            yield session.prompt(PROMPT)
        except KeyboardInterrupt:
            continue
        except EOFError:
            return


def piped_lines(stream: IO[str] | None = None) -> Iterator[str]:
    """Lines from a pipe or file, one question or command each, read as they arrive."""
    stream = stream or sys.stdin
    if hasattr(stream, "reconfigure"):
        stream.reconfigure(errors="replace")  # a stray byte should not end a scripted session
    for line in iter(stream.readline, ""):
        yield line.rstrip("\r\n")
