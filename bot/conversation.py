"""One chat with the documents: the history it keeps, and the reply to each question.

Every front end (REPL, Telegram, `citebot eval`) talks through a Conversation, so history is trimmed in one
place and the engine's stream of text pieces and final answer is unpacked in one place (Reply), not in
each front end. Modelled on simonw/llm's Conversation and Response.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from bot.answer import Answer, Turn

if TYPE_CHECKING:
    from index.retrieve import Retrieval

# What the engine's answering generator yields (text pieces) and returns (the answer and its retrieval).
Pieces = Generator[str, None, "tuple[Answer, Retrieval]"]


class Answering(Protocol):
    """The two engine methods a conversation needs (the Engine implements them)."""

    def check_question(self, text: str) -> str:
        """The cleaned question; QuestionRejected when it cannot be asked."""

    def answer_pieces(self, question: str, history: Sequence[Turn]) -> Pieces:
        """Text pieces as an LLM writes them; returns the final Answer and what was retrieved."""


class Reply(Iterator[str]):
    """The reply to one question: iterate for streamed text (none in extractive mode), then read `.answer`
    (authoritative: after an LLM failure its text replaces what was streamed) and `.retrieval` (the passages
    the answer was made from). Reading `.answer` before iterating runs the question to the end."""

    def __init__(self, question: str, pieces: Pieces, on_answer: Callable[[Reply], None] | None = None):
        self.question = question
        self._pieces = pieces
        self._on_answer = on_answer
        self._answer: Answer | None = None
        self._retrieval: Retrieval | None = None
        self._finished = False

    def __next__(self) -> str:
        if self._finished:
            raise StopIteration
        try:
            return next(self._pieces)
        except StopIteration as stop:
            self._finished = True
            self._answer, self._retrieval = stop.value
            if self._on_answer is not None:
                self._on_answer(self)
            raise StopIteration from None
        except BaseException:
            self._finished = True
            raise

    def _finish(self) -> None:
        for _ in self:
            pass
        if self._answer is None:
            raise RuntimeError("this reply failed or was closed before its answer")

    @property
    def answer(self) -> Answer:
        self._finish()
        assert self._answer is not None
        return self._answer

    @property
    def retrieval(self) -> Retrieval:
        self._finish()
        assert self._retrieval is not None
        return self._retrieval

    def close(self) -> None:
        """Stop early (an unfinished LLM stream releases its connection); the turn is not remembered."""
        self._finished = True
        self._pieces.close()


class Conversation:
    """A chat's turns, trimmed to the last `keep`; one question at a time (front ends serialise per chat)."""

    def __init__(self, engine: Answering, keep: int):
        self._engine = engine
        self._keep = max(keep, 0)
        self._turns: list[Turn] = []

    @property
    def history(self) -> tuple[Turn, ...]:
        return tuple(self._turns)

    def reset(self) -> None:
        """Forget the conversation: the next question is read on its own."""
        self._turns = []

    def ask(self, question: str) -> Reply:
        """The reply to `question` read against the turns so far; QuestionRejected at once when the question
        cannot be asked. The work runs as the reply is iterated; the turn is kept when its answer is final."""
        cleaned = self._engine.check_question(question)

        def run() -> Pieces:  # reads the history when the question starts, after any earlier one finished
            return (yield from self._engine.answer_pieces(cleaned, self.history))

        return Reply(cleaned, run(), on_answer=self._remember)

    def _remember(self, reply: Reply) -> None:
        if self._keep:
            self._turns = [*self._turns, Turn(reply.question, reply.answer)][-self._keep:]
