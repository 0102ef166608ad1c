"""Settings are grouped by concern: index/ sees only IndexSettings; the bot's Settings adds answers,
Telegram and LLM groups on top, with the same environment variables as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import SetupError, load_settings
from tests.isolation import ISOLATED_ENV


def test_index_settings_hold_no_bot_concerns() -> None:
    from index.settings import IndexSettings

    fields = set(IndexSettings.model_fields)
    assert {"corpus", "data_dir", "chunk_size", "embedder", "chroma_host", "reload_seconds"} <= fields
    assert not fields & {"top_k", "telegram_bot_token", "admins", "llm", "llm_model", "openai_api_key"}


def test_bot_settings_are_the_index_settings_plus_each_group() -> None:
    from bot.settings import AnswerSettings, LLMSettings, Settings, TelegramSettings
    from index.settings import IndexSettings

    assert issubclass(Settings, IndexSettings)
    groups = (IndexSettings, AnswerSettings, TelegramSettings, LLMSettings)
    assert set(Settings.model_fields) == set().union(*(g.model_fields for g in groups))
    undocumented = [name for name, info in Settings.model_fields.items() if not info.description]
    assert undocumented == []


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in (*ISOLATED_ENV, "OPENAI_API_KEY", "OLLAMA_HOST", "CITEBOT_TOP_K"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env file
    return monkeypatch


def test_variable_names_are_unchanged(clean_env: pytest.MonkeyPatch) -> None:
    for name, value in {"CHROMA_HOST": "db", "CHROMA_PORT": "8000", "TELEGRAM_BOT_TOKEN": "1:x",
                        "OPENAI_API_KEY": "k", "OLLAMA_HOST": "http://o:1", "CITEBOT_TOP_K": "3"}.items():
        clean_env.setenv(name, value)
    settings = load_settings()
    assert (settings.chroma_host, settings.chroma_port, settings.telegram_bot_token) == ("db", 8000, "1:x")
    assert (settings.openai_api_key, settings.ollama_host, settings.top_k) == ("k", "http://o:1", 3)


def test_llm_is_one_of_three_backends_in_any_case(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("CITEBOT_LLM", "Ollama")
    assert load_settings().llm == "ollama"
    clean_env.setenv("CITEBOT_LLM", "gpt")
    with pytest.raises(SetupError) as raised:
        load_settings()
    assert str(raised.value) == "CITEBOT_LLM=gpt is invalid: must be one of none, openai, ollama."
