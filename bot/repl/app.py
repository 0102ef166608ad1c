"""`citebot chat`: a terminal conversation over the index, or a scripted one over a pipe.

The loop reads lines (prompt_toolkit on a terminal, plain lines otherwise), treats `/word` as a
command and everything else as a question for the engine's Conversation, which keeps the turns so
follow-ups work. Nothing here knows how answers are made: it only calls the Engine.
"""

from __future__ import annotations

import itertools
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from bot.answer import Answer
from bot.engine import CitebotIndexError, Engine, QuestionRejected, Reply
from bot.prompts import load_prompt
from bot.render import clean_text, counted, source_number
from bot.repl.input import history_path, open_history, piped_lines, terminal_lines
from bot.repl.render import (
    error,
    make_console,
    note,
    render_answer,
    render_documents,
    render_passage,
    render_sources_of,
)

logger = logging.getLogger(__name__)

COMMANDS = ("/help", "/sources", "/show", "/reset", "/quit")
QUIT = frozenset({"/quit", "/exit", "/q"})


class ChatSession:
    """One conversation: the turns so far, the last answer (for /show) and the commands."""

    def __init__(self, engine: Engine, out: Console, plain: bool, interactive: bool):
        self.engine = engine
        self.out = out
        self.plain = plain
        self.interactive = interactive
        self.conversation = engine.conversation()
        self.last: Answer | None = None
        self._commands: dict[str, Callable[[str], None]] = {
            "/help": self.help_command, "/sources": self.sources_command, "/show": self.show_command,
            "/reset": self.reset_command,
        }

    # the loop --------------------------------------------------------------------------------
    def run(self, lines: Iterable[str]) -> None:
        """Handle lines until they run out (Ctrl-D, end of pipe) or /quit."""
        for line in lines:
            if not line.strip():
                continue
            if not self.handle(line.strip()):
                return
            self.out.print()

    def handle(self, text: str) -> bool:
        """Run one command or question; False when the user asked to leave."""
        if not text.startswith("/"):
            self.ask(text)
            return True
        name, _, arg = text.partition(" ")
        name = name.lower()
        if name in QUIT:
            return False
        command = self._commands.get(name)
        if command is None:
            self.out.print(note(f"unknown command {name}; /help lists the commands"))
        else:
            command(arg.strip())
        return True

    # questions -------------------------------------------------------------------------------
    def ask(self, question: str) -> None:
        """Answer from the documents (the conversation keeps the turn); failures leave the REPL running."""
        try:
            self.last = self._answer(self.conversation.ask(question))
        except QuestionRejected as exc:
            self.out.print(note(str(exc)))
        except CitebotIndexError as exc:
            self.out.print(error(str(exc)))
        except KeyboardInterrupt:
            if not self.interactive:
                raise
            self.out.print(note("\ncancelled"))
        except Exception:  # one failed question must not end the conversation
            logger.error("answering %d-character question failed", len(question), exc_info=True)
            self.out.print(error("Sorry, something went wrong answering that; the log above says what."))

    def _answer(self, reply: Reply) -> Answer:
        """Stream the reply: LLM text as it is written, then the final answer's sources."""
        with self._waiting():  # until the first piece, or the whole extractive answer
            first = next(reply, None)
        streamed: list[str] = []
        for piece in itertools.chain([] if first is None else [first], reply):
            streamed.append(piece)
            self.out.print(Text(clean_text(piece)), end="", soft_wrap=True)  # an LLM may echo escapes
        self._print_final(reply.answer, "".join(streamed))
        return reply.answer

    def _print_final(self, answer: Answer, streamed: str) -> None:
        """After streamed text only the sources are missing, unless the final text differs from it."""
        if not streamed:
            self.out.print(render_answer(answer, self.plain))
            return
        self.out.print()
        if streamed.strip() != answer.text.strip():
            self.out.print()
            self.out.print(render_answer(answer, self.plain))
        elif answer.answered and answer.citations:
            self.out.print()
            self.out.print(render_sources_of(answer, self.plain))

    def _waiting(self) -> AbstractContextManager[Any]:
        """A spinner while retrieval runs, on a terminal only."""
        if self.interactive:
            return self.out.status("searching the documents…", spinner="dots")
        return nullcontext()

    # commands --------------------------------------------------------------------------------
    def help_command(self, arg: str) -> None:
        """/help: what the bot does, then the commands."""
        self.out.print(Text(load_prompt("help")))
        self.out.print()
        self.out.print(Text(load_prompt("repl_help")))

    def reset_command(self, arg: str) -> None:
        """/reset: forget the conversation, so the next question is read on its own."""
        self.conversation.reset()
        self.last = None
        self.out.print(note("Conversation cleared; the next question starts fresh."))

    def sources_command(self, arg: str) -> None:
        """/sources: the indexed documents with language and chunk counts."""
        try:
            self.out.print(render_documents(self.engine.documents(), self.engine.location, self.plain))
        except CitebotIndexError as exc:
            self.out.print(error(str(exc)))

    def show_command(self, arg: str) -> None:
        """/show N: the whole retrieved passage behind citation [N] of the last answer."""
        number = source_number(arg.strip("[] "))
        if number is None:
            self.out.print(note("usage: /show N, where N is a source number of the last answer"))
            return
        citations = self.last.citations if self.last else []
        if not citations:
            self.out.print(note("There are no sources to show yet: ask a question first."))
            return
        cited = next((c for c in citations if c.n == number), None)
        if cited is None:
            numbers = ", ".join(str(c.n) for c in citations)
            self.out.print(note(f"The last answer has no source [{number}]; its sources are {numbers}."))
            return
        self.out.print(render_passage(cited, self.plain))


def startup_line(engine: Engine, seconds: float) -> str:
    """'ready in 3.1 s: 5 documents, 96 chunks', so people see what opening the index costs."""
    documents = engine.documents()
    chunks = sum(d.chunks for d in documents)
    return (f"ready in {seconds:.1f} s: {counted(len(documents), 'document')}, {counted(chunks, 'chunk')} "
            f"({engine.location})")


def run_repl(corpus: Path | None = None, data_dir: Path | None = None) -> None:
    """Open the engine (building the index if missing), then chat until Ctrl-D, /quit or end of input."""
    from bot.app import load_settings, open_engine

    started = time.perf_counter()
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    out = make_console(sys.stdout, plain=not interactive)
    err = make_console(sys.stderr, plain=not sys.stderr.isatty())
    settings = load_settings(corpus, data_dir)
    engine = open_engine(settings, corpus_option=True)  # `citebot chat` has --corpus
    err.print(Text(startup_line(engine, time.perf_counter() - started), style="dim"))
    session = ChatSession(engine, out, plain=not interactive, interactive=interactive)
    if interactive:
        out.print(Text(load_prompt("repl_welcome")))
        history = open_history(history_path(settings.data_dir))
        lines: Iterable[str] = terminal_lines(history, COMMANDS)
    else:
        lines = piped_lines()
    try:
        session.run(lines)
    except BrokenPipeError:  # `citebot chat < questions | head`: the reader left, so do we
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
