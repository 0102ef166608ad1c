"""The optional LLM synthesizer: fluent, cited answers from an OpenAI-compatible server or Ollama.

The model sees the retrieved passages as numbered sources and the rules in prompts/qa_system.txt.
Its reply is checked sentence by sentence before anything is shown (bot/llm/citations.py), and each
surviving `[n]` becomes a Citation quoting the document verbatim (bot/llm/quotes.py). Whenever the
model fails (timeout, connection error, HTTP error, malformed stream, empty reply, no valid
citation) the answer is the extractive one, and `Answer.mode` says which synthesizer produced it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from typing import Any

from bot.answer import Answer, Turn
from bot.llm.backends import LLMSetupError, make_llm
from bot.llm.citations import MARKER, CitationChecker, visible_text
from bot.llm.quotes import Embed, Translations, build_citations
from bot.llm.stream import LLMFailure, with_deadline
from bot.prompts import load_prompt
from bot.sentence_lookup import SentenceLookup
from bot.settings import Settings
from index.retrieve import Retrieval
from index.types import Passage

logger = logging.getLogger(__name__)

__all__ = ["LLMSynthesizer", "LLMSetupError", "make_llm_synthesizer"]

# the prompt names the answer's language; a question in a language outside CITEBOT_LANGUAGES keeps its own code
# (bot/question_language.py), so the ones with a not-found reply (prompts/not_found.*.txt) are named too
LANGUAGE_NAMES = {"en": "English", "id": "Indonesian", "es": "Spanish", "pt": "Portuguese", "fr": "French",
                  "de": "German", "it": "Italian", "nl": "Dutch", "ro": "Romanian", "pl": "Polish", "ru": "Russian"}
HISTORY_TURNS = 3  # turns of conversation the condense prompt sees
HISTORY_ANSWER_CHARS = 400
_LABEL = re.compile(r"^\s*(?:standalone question|question)\s*:\s*", re.IGNORECASE)


def make_llm_synthesizer(settings: Settings, extractive: Any, lookup: SentenceLookup | None = None) -> LLMSynthesizer:
    """The LLM synthesizer for `settings.llm`, falling back to `extractive`; LLMSetupError when unusable.
    `lookup` gives the index's embedder (quotes matched to the model's sentences; without it, word overlap
    does) and the translation finder the extractive answers use, so `also_in` means the same in both modes."""
    return LLMSynthesizer(make_llm(settings), extractive, timeout=settings.llm_timeout, lookup=lookup)


# prompts ---------------------------------------------------------------------------------------
def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def format_sources(passages: Sequence[Passage]) -> str:
    """The numbered sources block: number, file, language and location, then the text."""
    return "\n\n".join(
        f"[{n}] {p.file} (language: {language_name(p.language)}, {p.location})\n{p.text.strip()}"
        for n, p in enumerate(passages, start=1))


def qa_messages(question: str, language: str, passages: Sequence[Passage]) -> list[Any]:
    """System rules plus the sources and question, as llama-index chat messages."""
    from llama_index.core.llms import ChatMessage, MessageRole

    system = load_prompt("qa_system").format(language_name=language_name(language))
    user = load_prompt("qa_user").format(sources=format_sources(passages), question=question)
    return [ChatMessage(role=MessageRole.SYSTEM, content=system),
            ChatMessage(role=MessageRole.USER, content=user)]


def format_history(history: Sequence[Turn]) -> str:
    """The last turns as "User:/Assistant:" lines, markers stripped and long answers cut."""
    lines = []
    for turn in history[-HISTORY_TURNS:]:
        answer = " ".join(MARKER.sub("", turn.answer.text).split())[:HISTORY_ANSWER_CHARS]
        lines += [f"User: {turn.question}", f"Assistant: {answer}"]
    return "\n".join(lines)


def condense_messages(question: str, history: Sequence[Turn]) -> list[Any]:
    from llama_index.core.llms import ChatMessage, MessageRole

    prompt = load_prompt("condense").format(history=format_history(history), question=question)
    return [ChatMessage(role=MessageRole.USER, content=prompt)]


def clean_standalone(reply: str, question: str) -> str | None:
    """The model's standalone question, or None when the reply does not look like one."""
    lines = [line.strip() for line in visible_text(reply).splitlines() if line.strip()]
    if not lines:
        return None
    text = _LABEL.sub("", lines[0]).strip().strip("\"'`“”«»").strip()
    text = " ".join(MARKER.sub("", text).split())
    if not text or len(text) > max(300, 3 * len(question)):
        return None
    return text


# the synthesizer -------------------------------------------------------------------------------
class LLMSynthesizer:
    """Asks the model, checks its citations, and falls back to the extractive answer on any failure."""

    mode = "llm"

    def __init__(self, llm: Any, extractive: Any, timeout: float, lookup: SentenceLookup | None = None):
        self.llm = llm
        self.extractive = extractive
        self.timeout = timeout
        self._embed: Embed | None = lookup.passage_vectors if lookup is not None else None
        self._translations: Translations | None = lookup.translations if lookup is not None else None

    # calls to the model ----------------------------------------------------------------------
    def _deltas(self, messages: list[Any]) -> Iterator[str]:
        for response in self.llm.stream_chat(messages):
            yield response.delta or ""

    def _chat_text(self, messages: list[Any]) -> str:
        return self.llm.chat(messages).message.content or ""

    def _reply(self, messages: list[Any]) -> str:
        """The whole (non-streamed) reply, within the timeout."""
        return "".join(with_deadline(lambda: [self._chat_text(messages)], self.timeout))

    # answers ---------------------------------------------------------------------------------
    def synthesize(self, question: str, language: str, retrieval: Retrieval) -> Answer:
        """The checked LLM answer in one piece (no streaming)."""
        if not retrieval.passages:
            return self.extractive.synthesize(question, language, retrieval)
        messages = qa_messages(retrieval.query or question, language, retrieval.passages)
        try:
            reply = self._reply(messages)
        except LLMFailure as exc:
            return self._fallback(question, language, retrieval, str(exc))
        checker = CitationChecker(len(retrieval.passages))
        checker.feed(reply)
        checker.finish()
        return self._final(question, language, retrieval, checker)

    def stream(self, question: str, language: str, retrieval: Retrieval) -> Iterator[str | Answer]:
        """Checked sentences as the model writes them, then the final Answer.

        The final Answer is authoritative: after a failure mid-reply it is the extractive answer,
        whose text replaces whatever was streamed.
        """
        if not retrieval.passages:
            yield self.extractive.synthesize(question, language, retrieval)
            return
        messages = qa_messages(retrieval.query or question, language, retrieval.passages)
        checker = CitationChecker(len(retrieval.passages))
        try:
            for delta in with_deadline(lambda: self._deltas(messages), self.timeout):
                yield from checker.feed(delta)
            yield from checker.finish()
        except LLMFailure as exc:
            yield self._fallback(question, language, retrieval, str(exc))
            return
        yield self._final(question, language, retrieval, checker)

    def _final(self, question: str, language: str, retrieval: Retrieval, checker: CitationChecker) -> Answer:
        if checker.removed_markers:
            logger.info("removed citation markers naming no source: %s", sorted(set(checker.removed_markers)))
        if not checker.kept:
            reason = "an empty reply" if not checker.dropped else "a reply citing no source"
            return self._fallback(question, language, retrieval, reason)
        try:
            citations = build_citations(checker.kept, checker.renumber, retrieval.passages,
                                        retrieval.query_vector, self._embed, self._translations)
        except Exception as exc:  # never show an answer whose citations could not be built
            logger.exception("cannot build citations for the LLM answer")
            return self._fallback(question, language, retrieval, exc.__class__.__name__)
        return Answer(question, checker.text, True, language, citations, mode=self.mode)

    def _fallback(self, question: str, language: str, retrieval: Retrieval, reason: str) -> Answer:
        logger.warning("LLM answer unusable (%s); answering extractively", reason)
        return self.extractive.synthesize(question, language, retrieval)

    # follow-ups ------------------------------------------------------------------------------
    def condense(self, question: str, history: Sequence[Turn]) -> str | None:
        """The follow-up rewritten as a standalone question, or None so the engine uses its heuristic."""
        try:
            standalone = clean_standalone(self._reply(condense_messages(question, history)), question)
        except LLMFailure as exc:
            logger.warning("condensing the follow-up failed (%s); using the heuristic", exc)
            return None
        except Exception:  # a prompt or template problem must not break answering
            logger.exception("condensing the follow-up failed; using the heuristic")
            return None
        return standalone
