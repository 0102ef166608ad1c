"""What an answer synthesizer is (the protocol the engine calls), and the factory that picks one from settings:
extractive (default) or an LLM backend wrapping the extractive one as its fallback."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from bot.answer import Answer, Turn
from bot.settings import Settings

if TYPE_CHECKING:
    from index.retrieve import Retrieval


class Synthesizer(Protocol):
    """Turns the retrieved passages into a cited Answer."""

    mode: str  # "extractive" or "llm", as Answer.mode reports it

    def synthesize(self, question: str, language: str, retrieval: Retrieval) -> Answer:
        """The whole answer at once."""

    def stream(self, question: str, language: str, retrieval: Retrieval) -> Iterator[str | Answer]:
        """Text pieces as they are written (none for the extractive synthesizer), then the final Answer."""


@runtime_checkable
class Condenses(Protocol):
    """A synthesizer that can rewrite a follow-up as a standalone question (the LLM one)."""

    def condense(self, question: str, history: Sequence[Turn]) -> str | None:
        """The standalone question, or None so the engine uses its heuristic."""


def make_synthesizer(settings: Settings, retriever: Any) -> Synthesizer:
    """The extractive synthesizer, or an LLM synthesizer wrapping it as its fallback."""
    from bot.extractive import ExtractiveSynthesizer
    from bot.sentence_lookup import SentenceLookup

    lookup = SentenceLookup(retriever)  # the one way both synthesizers read sentences after retrieval
    extractive = ExtractiveSynthesizer(lookup, abstain_margin=settings.abstain_below)
    if settings.llm.lower() in ("", "none"):
        return extractive
    from bot.llm.synthesizer import make_llm_synthesizer

    return make_llm_synthesizer(settings, extractive, lookup)
