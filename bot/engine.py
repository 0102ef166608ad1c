"""The answer engine: question (+ history) -> Answer. Front ends call this and nothing below it.

It resolves follow-ups against the conversation, retrieves passages, and hands them to a synthesizer
(extractive by default, an LLM when configured). It imports no front-end code.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.answer import Answer, Turn
from bot.conversation import Conversation, Pieces, Reply
from bot.followup import Resolved, resolve_followup
from bot.prompts import load_prompt, not_found_message
from bot.question_language import question_language
from bot.ranker import anchors
from bot.settings import Settings, get_settings
from bot.synthesizers import Condenses, Synthesizer, make_synthesizer
from index.errors import (
    REBUILD_HINT,
    CitebotIndexError,
    CorpusMissing,
    IndexBusy,
    IndexCorrupt,
    IndexMismatch,
    IndexMissing,
    IndexUnavailable,
)
from index.lexical import query_word_stems
from index.sanitize import without_escape_sequences

logger = logging.getLogger(__name__)

__all__ = [
    "Engine", "Conversation", "Reply", "Answer", "Turn", "QuestionRejected", "DocumentInfo", "CitebotIndexError",
    "IndexMissing", "IndexUnavailable", "IndexMismatch", "IndexCorrupt", "CorpusMissing", "IndexBusy", "REBUILD_HINT",
]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


class QuestionRejected(ValueError):
    """A question the engine will not run (empty, too long); the message is the reply to show."""


@dataclass(frozen=True)
class DocumentInfo:
    """One indexed document, as the document lists (`citebot sources`, /sources) show it."""

    file: str
    language: str
    chunks: int
    tokens: int
    indexed_at: float


def clean_question(text: str, limit: int) -> str:
    """The question with control and direction characters removed; QuestionRejected when unusable."""
    # lone surrogates (undecodable bytes from argv or a pipe) cannot be encoded for the embedder
    text = (text or "").encode("utf-8", "ignore").decode("utf-8")
    cleaned = " ".join(_CONTROL.sub(" ", without_escape_sequences(text)).split())  # "ESC [31m" goes whole
    if not any(ch.isalnum() for ch in cleaned):  # "", "?!?...", "¿¡": nothing to search for (was "not found")
        raise QuestionRejected(load_prompt("empty_question"))
    if len(cleaned) > limit:
        raise QuestionRejected(load_prompt("question_too_long").format(length=len(cleaned), limit=limit))
    return cleaned


class Engine:
    """Loads the retriever and synthesizer once; `answer()` is safe to call from several threads."""

    def __init__(self, settings: Settings | None = None, build_if_missing: bool = True,
                 on_build: Callable[[str], Any] | None = None, query_engine: str | None = None):
        self.settings = settings or get_settings()
        self._query_engine = query_engine  # None: the configured engine embeds questions
        self._languages = tuple(self.settings.language_list)
        self._lock = threading.Lock()
        started = time.perf_counter()
        self.retriever = self._open_retriever(build_if_missing, on_build)
        self.synthesizer: Synthesizer = make_synthesizer(self.settings, self.retriever)
        self.startup_seconds = time.perf_counter() - started

    def _open_retriever(self, build_if_missing: bool, on_build: Callable[[str], Any] | None) -> Any:
        """The retriever, after building the index when there is none or it holds an earlier citebot's vectors
        (`on_build(reason)`, reason "missing" or "upgrade", builds it instead of build_index, e.g. with progress)."""
        from index.retrieve import Retriever

        reason = "missing"
        try:
            return Retriever(self.settings, query_engine=self._query_engine)
        except IndexMissing:
            if not build_if_missing:
                raise
        except IndexMismatch as exc:  # vectors of an earlier citebot: an index run rebuilds them (index/ingest.py)
            if not build_if_missing or not exc.embedder_only:
                raise
            reason = "upgrade"
        if on_build is not None:
            on_build(reason)
        else:
            from index.ingest import build_index

            build_index(self.settings, wait_seconds=600)
        return Retriever(self.settings, query_engine=self._query_engine)

    # questions -------------------------------------------------------------------------------
    def question_language(self, question: str, history: Sequence[Turn] = ()) -> str:
        """The question's own language when it is detectable; the conversation's only as a fallback."""
        fallback = history[-1].answer.language if history else "en"
        return question_language(question, self._languages, fallback=fallback)

    def _resolve(self, question: str, history: Sequence[Turn]) -> Resolved:
        """Retrieval queries for `question`: an LLM's condensed question when one is configured,
        else the heuristic follow-up resolution."""
        resolved = resolve_followup(question, history, self.retriever.unknown_words, self.retriever.rarest_words)
        if history and isinstance(self.synthesizer, Condenses):
            standalone = self.synthesizer.condense(question, history)
            if standalone:
                return Resolved(standalone, f"{standalone} {resolved.borrowed}".strip(), resolved.borrowed)
        return resolved

    def conversation(self, keep: int | None = None) -> Conversation:
        """A new chat: it keeps the last `keep` (default: history_turns) turns and reads each question against
        them."""
        return Conversation(self, keep=self.settings.history_turns if keep is None else keep)

    def answer(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        """One question answered to the end against a given `history` (scripts, benches, tests)."""
        cleaned = self.check_question(question)
        return Reply(cleaned, self.answer_pieces(cleaned, tuple(history))).answer

    def check_question(self, text: str) -> str:
        """The question cleaned once for the whole answer path; QuestionRejected when it cannot be asked."""
        return clean_question(text, self.settings.max_question_chars)

    def nothing_to_look_for(self, question: str, resolved: Resolved, unknown_share: float) -> bool:
        """Whether the question gives retrieval nothing to look for, so any quote would be a random one:
        - only function words and no name or number ("Who?", "What is it?"; not "Who is Will?"), with no subject
          borrowed from the conversation (the sweep of 2026-12-03: one candidate was quoted at random);
        - none of its words in any document, and its own words tell no language ("asdfgh qwerty", "X9Q7"). A
          question in a language the words show ("Quem foi eleito tesoureiro?") may be answered by a document in
          another language, whose words it never shares: the calibrator decides it (bot/extractive.py)."""
        if not query_word_stems(resolved.lexical_query, ()) and not anchors(resolved.lexical_query):
            return True  # ("Who is Will?": "will" is a function word, but a name there)
        return unknown_share >= 1.0 and question_language(question, self._languages, fallback="") == ""

    def answer_pieces(self, question: str, history: Sequence[Turn]) -> Pieces:
        """Yields text pieces as an LLM writes them (none in extractive mode); returns the final Answer and
        the retrieval it was made from. `question` is already cleaned (check_question)."""
        t0 = time.perf_counter()
        self.check_index()
        language = self.question_language(question, history)
        resolved = self._resolve(question, history)
        t1 = time.perf_counter()
        self.retriever.prefetch_latent(resolved.dense_query)  # the abstention reads it (bot/extractive.py: relevant)
        retrieval = self.retriever.retrieve(resolved.dense_query, self.settings.top_k, resolved.lexical_query,
                                            language)
        if resolved.dense_query != question:
            # A follow-up searched with the subject it borrowed ("... Lin Qingyuan"); its sentences are ranked by
            # what it asks itself. Ranked with the name in the vector, the previous answer's sentence (which
            # names the subject) came first again; the subject still decides which sentences may answer
            # (bot/extractive.py: on-subject candidates lead).
            retrieval.query_vector = self.retriever.embed_query(question)
        t2 = time.perf_counter()
        final: Answer | None = None
        if self.nothing_to_look_for(question, resolved, retrieval.unknown_share):
            final = Answer(question, not_found_message(language), False, language, mode=self.synthesizer.mode)
        for piece in () if final else self.synthesizer.stream(question, language, retrieval):
            if isinstance(piece, Answer):
                final = piece
            else:
                yield piece
        if final is None:
            raise RuntimeError(f"{type(self.synthesizer).__name__}.stream ended without an Answer")
        t3 = time.perf_counter()
        final.standalone_question = resolved.dense_query
        final.subject = resolved.borrowed
        final.timings_ms = {"retrieve": (t2 - t1) * 1000, "synthesize": (t3 - t2) * 1000,
                            "total": (t3 - t0) * 1000}
        return final, retrieval

    # documents -------------------------------------------------------------------------------
    def documents(self) -> list[DocumentInfo]:
        """The indexed documents, from the live manifest (a newer index is picked up first, as for questions)."""
        self.check_index()
        manifest = self.retriever.manifest
        return [DocumentInfo(name, e.language, e.chunks, e.tokens, e.indexed_at)
                for name, e in sorted(manifest.files.items())]

    sources = documents  # the old name, until bot/corpus_edits.py (another change in flight) moves over

    @property
    def location(self) -> str:
        return str(self.retriever.location)

    @property
    def embed_model(self) -> str:
        return str(self.retriever.manifest.embed_model)

    def check_index(self) -> bool:
        """The one reload decision: at most every reload_seconds, switch to an index another process has
        published since; True when switched. Runs before every question; an idle front end may call it too."""
        return bool(self.retriever.refresh())

    def refresh(self) -> bool:
        """Switch to a newer index now, not on the timer: for code that has just published one itself."""
        return bool(self.retriever.refresh(force=True))
