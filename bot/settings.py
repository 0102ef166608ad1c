"""citebot's settings as the bot side sees them (front ends import them from here, never from index/).

`Settings` is the index settings plus one group per bot concern: answers, Telegram, LLM. Telegram, OpenAI
and Ollama variables keep their conventional names (no prefix), so a user's existing environment works.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings

from index.settings import SETTINGS_CONFIG, IndexSettings, alias
from index.settings_errors import SettingRejected

# A CITEBOT_ALLOWED_USERS / CITEBOT_ADMINS entry: a numeric user id (ASCII digits, a group's may be negative) or
# a Telegram username (5-32 letters, digits and underscores), with or without "@".
USER_ID = re.compile(r"-?[0-9]{1,20}")  # ASCII digits: "²".isdigit() is True and int("²") raises
_USER_ENTRY = re.compile(rf"{USER_ID.pattern}|@?[A-Za-z][A-Za-z0-9_]{{3,31}}")

__all__ = ["USER_ID", "AnswerSettings", "LLMSettings", "Settings", "TelegramSettings", "get_settings"]


class AnswerSettings(BaseSettings):
    """How questions are answered: how many passages, when to abstain, how much history."""

    model_config = SETTINGS_CONFIG

    top_k: int = Field(8, ge=1, le=50, description="Passages handed to the synthesizer.")
    abstain_below: float = Field(
        0.0, ge=0, le=1, allow_inf_nan=False, description="Extra margin on the calibrated relevance floor (a "
        "probability, 0 to 1); raise it to abstain more often."
    )
    max_question_chars: int = Field(1000, ge=10, description="Longer questions are refused with a clear reply.")
    history_turns: int = Field(6, ge=0, description="Turns of conversation kept per chat.")


class TelegramSettings(BaseSettings):
    """The Telegram front end: token, Bot API location, who may use it and how often."""

    model_config = SETTINGS_CONFIG

    telegram_bot_token: str | None = Field(
        None, validation_alias=alias("TELEGRAM_BOT_TOKEN", "CITEBOT_TELEGRAM_BOT_TOKEN"),
        description="The bot's token from @BotFather; `citebot telegram` needs it.",
    )
    telegram_base_url: str | None = Field(None, description="Bot API base URL, e.g. http://127.0.0.1:8081/bot")
    telegram_base_file_url: str | None = Field(
        None, description="Bot API file download URL, passed to python-telegram-bot's base_file_url as "
        "CITEBOT_TELEGRAM_BASE_URL is to base_url, e.g. http://127.0.0.1:8081/file/bot")
    allowed_users: str = Field("", description="Comma-separated Telegram user ids or @usernames; empty: anyone.")
    admins: str = Field("", description="Comma-separated Telegram user ids or @usernames who may add documents "
                        "(in private chats) and /forget them; empty: nobody.")
    @field_validator("allowed_users", "admins")
    @classmethod
    def _user_list(cls, value: str) -> str:
        """Each entry a numeric user id or a Telegram username (5-32 letters, digits, underscores, "@" optional):
        a typo ("@alice;@bob", "10l") would otherwise be a name nobody has, and lock everyone out silently."""
        bad = [e for e in (e.strip() for e in value.split(",")) if e and not _USER_ENTRY.fullmatch(e)]
        if bad:
            shown = ", ".join(bad[:3]) + (" ..." if len(bad) > 3 else "")
            raise SettingRejected(f"is invalid: {shown} is not a user id or @username (separate entries with commas)")
        return value

    rate_limit_per_minute: int = Field(
        10, ge=1, description="Replies one Telegram user may get a minute (answers, commands, source passages)."
    )
    telegram_retry_seconds: float = Field(
        120.0, gt=0, description="How long one Telegram send may keep waiting out flood control (429 "
        "retry_after) and network retries; past it the reply is dropped with an ERROR log line. Two minutes: "
        "later than that an answer is rarely still wanted, and Telegram's waits for a bot at its normal pace "
        "are seconds.",
    )


class LLMSettings(BaseSettings):
    """The optional LLM that writes answers from the retrieved passages (none: extractive answers only)."""

    model_config = SETTINGS_CONFIG

    llm: Literal["none", "openai", "ollama"] = Field(
        "none", description="Answer synthesizer: none (extractive), openai or ollama (any case; empty: none)."
    )
    llm_model: str | None = Field(None, description="Model name for the LLM backend.")
    llm_timeout: float = Field(30.0, gt=0, description="Seconds before an LLM answer falls back to extractive.")
    openai_base_url: str | None = Field(
        None, validation_alias=alias("OPENAI_BASE_URL", "CITEBOT_OPENAI_BASE_URL"),
        description="OpenAI-compatible API base URL; unset: the OpenAI client's default.",
    )
    openai_api_key: str | None = Field(
        None, validation_alias=alias("OPENAI_API_KEY", "CITEBOT_OPENAI_API_KEY"),
        description="API key for the OpenAI-compatible backend.",
    )
    ollama_host: str = Field(
        "http://127.0.0.1:11434", validation_alias=alias("OLLAMA_HOST", "CITEBOT_OLLAMA_HOST"),
        description="Ollama server URL.",
    )

    @field_validator("llm", mode="before")
    @classmethod
    def _backend_name(cls, value: object) -> object:
        """Accept OpenAI/OLLAMA as the user may spell them, and an empty value as none (as before)."""
        if isinstance(value, str):
            return value.strip().lower() or "none"
        return value


class Settings(IndexSettings, AnswerSettings, TelegramSettings, LLMSettings):
    """Every knob citebot has: the index settings plus the bot's groups; each field says what it is for."""

    model_config = SETTINGS_CONFIG


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
