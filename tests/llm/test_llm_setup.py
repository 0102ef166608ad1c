"""Selecting an LLM backend: a missing extra or setting fails with a sentence that says what to do."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from llm_rig import make_settings

from bot.llm.backends import LLMSetupError, make_llm, redact_url
from bot.synthesizers import make_synthesizer


@pytest.mark.parametrize(("backend", "module"), [("openai", "llama_index.llms.openai_like"),
                                                 ("ollama", "llama_index.llms.ollama")])
def test_missing_extra_names_the_install_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 backend: str, module: str) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # as if the extra were not installed
    settings = make_settings(tmp_path, llm=backend, llm_model="m", openai_base_url="http://127.0.0.1:9/v1")
    with pytest.raises(LLMSetupError) as caught:
        make_synthesizer(settings, retriever=None)
    message = str(caught.value)
    assert f"pip install -e '.[{backend}]'" in message and f"CITEBOT_LLM={backend}" in message
    assert isinstance(caught.value.__cause__, ImportError)


def test_extras_are_installed_for_these_tests(tmp_path: Path) -> None:
    llm = make_llm(make_settings(tmp_path, llm="ollama", llm_model="m", ollama_host="http://127.0.0.1:9"))
    assert llm.model == "m" and llm.base_url == "http://127.0.0.1:9"


def test_default_is_extractive(tmp_path: Path) -> None:
    assert make_synthesizer(make_settings(tmp_path), retriever=None).mode == "extractive"


@pytest.mark.parametrize(("overrides", "hint"), [
    ({"llm": "ollama"}, "CITEBOT_LLM_MODEL"),
    ({"llm": "openai", "llm_model": "gpt-4o-mini"}, "OPENAI_API_KEY"),
])
def test_incomplete_settings_say_what_to_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            overrides: dict[str, str], hint: str) -> None:
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CITEBOT_LLM_MODEL"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(LLMSetupError) as caught:
        make_llm(make_settings(tmp_path, **overrides))
    assert hint in str(caught.value)


def test_local_openai_server_needs_no_key(tmp_path: Path) -> None:
    llm = make_llm(make_settings(tmp_path, llm="openai", llm_model="any",
                                 openai_base_url="http://127.0.0.1:8080/v1"))
    assert llm.api_base == "http://127.0.0.1:8080/v1" and llm.api_key and llm.max_retries == 0
    assert llm.is_chat_model


def test_urls_in_logs_lose_their_credentials() -> None:
    assert redact_url("https://user:secret@api.example.com:8443/v1?key=abc") == "https://api.example.com:8443/v1"
