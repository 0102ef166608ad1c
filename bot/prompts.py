"""Fixed user-facing texts and LLM templates, kept as files in prompts/ and loaded by name."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

PROMPTS_DIR = Path(os.environ.get("CITEBOT_PROMPTS_DIR", Path(__file__).resolve().parent.parent / "prompts"))

# Every prompt the code refers to; tests check each one exists.
REFERENCED = ("help", "empty_question", "question_too_long", "index_unavailable",
              "repl_help", "repl_welcome",
              "qa_system", "qa_user", "condense",
              "telegram_start", "telegram_help", "telegram_sources", "telegram_reset", "telegram_ask_usage",
              "telegram_passage_expired", "only_text", "rate_limited", "not_allowed", "error",
              "telegram_document_added", "telegram_document_updated", "telegram_document_unchanged",
              "telegram_document_renamed", "telegram_document_not_admin", "telegram_document_too_big",
              "telegram_document_not_indexed", "telegram_forget_not_admin", "telegram_forget_usage",
              "telegram_forget_confirm", "telegram_forget_yes", "telegram_forget_no", "telegram_forget_expired",
              "telegram_forget_kept", "telegram_forget_done", "telegram_sources_added_by")


class PromptMissing(FileNotFoundError):
    """A prompt file the code needs is not in prompts/."""


@lru_cache(maxsize=64)
def load_prompt(name: str) -> str:
    """The text of prompts/<name>.txt, without its trailing newline."""
    path = PROMPTS_DIR / f"{name}.txt"
    try:
        return path.read_text(encoding="utf-8").rstrip("\n")
    except FileNotFoundError:
        raise PromptMissing(f"prompt {name!r} not found at {path}") from None


def not_found_message(language: str) -> str:
    """The one-line 'not found in the documents' reply in `language` (English when none exists)."""
    try:
        return load_prompt(f"not_found.{language}")
    except PromptMissing:
        return load_prompt("not_found.en")


def not_found_languages() -> list[str]:
    return sorted(p.name.split(".")[1] for p in PROMPTS_DIR.glob("not_found.*.txt"))
