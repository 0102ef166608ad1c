"""Build the llama-index LLM client a user selected with CITEBOT_LLM (openai or ollama).

The integrations are optional extras, imported only here and only when selected, so the default
extractive install never needs them; a missing extra fails with the exact install command.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bot.errors import SetupError
from bot.settings import Settings

logger = logging.getLogger(__name__)

BACKENDS = ("openai", "ollama")
HOSTED_OPENAI = "https://api.openai.com/v1"
NO_KEY = "not-needed"  # llama.cpp and vLLM ignore the key, but the OpenAI client insists on one
CONTEXT_WINDOW = 8192  # sent to Ollama as num_ctx: enough for 8 chunks, without asking for a model's maximum
MAX_ANSWER_TOKENS = 512
TEMPERATURE = 0.1


class LLMSetupError(SetupError):
    """CITEBOT_LLM is set but cannot be used as configured; the message says what to do."""


def install_command(extra: str) -> str:
    return f"pip install -e '.[{extra}]'"


def missing_extra(backend: str) -> LLMSetupError:
    """The error for a backend whose optional extra is not installed."""
    return LLMSetupError(
        f"CITEBOT_LLM={backend} needs the optional '{backend}' extra, which is not installed. "
        f"Install it from the citebot folder, inside its virtualenv: {install_command(backend)}"
    )


def redact_url(url: str) -> str:
    """`url` without any user:password part, for logs."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _require_model(settings: Settings) -> str:
    if not settings.llm_model:
        raise LLMSetupError(f"CITEBOT_LLM={settings.llm} needs a model name: set CITEBOT_LLM_MODEL (e.g. "
                            "gpt-4o-mini for a hosted API, llama3.1 for Ollama; any name for llama-server)")
    return settings.llm_model


def openai_llm(settings: Settings) -> Any:
    """An OpenAI-compatible chat client (hosted API, llama.cpp `llama-server`, vLLM)."""
    try:
        from llama_index.llms.openai_like import OpenAILike
    except ImportError as exc:
        raise missing_extra("openai") from exc
    model = _require_model(settings)
    base_url = settings.openai_base_url or HOSTED_OPENAI
    key = settings.openai_api_key
    if not key and base_url.rstrip("/") == HOSTED_OPENAI:
        raise LLMSetupError("CITEBOT_LLM=openai with the hosted OpenAI API needs OPENAI_API_KEY; for a local "
                            "server set OPENAI_BASE_URL, e.g. http://127.0.0.1:8080/v1")
    logger.info("LLM answers: OpenAI-compatible model %s at %s", model, redact_url(base_url))
    return OpenAILike(model=model, api_base=base_url, api_key=key or NO_KEY, is_chat_model=True,
                      is_function_calling_model=False, context_window=CONTEXT_WINDOW,
                      max_tokens=MAX_ANSWER_TOKENS, temperature=TEMPERATURE,
                      timeout=settings.llm_timeout, max_retries=0)  # citebot falls back instead of retrying


def ollama_llm(settings: Settings) -> Any:
    """An Ollama `/api/chat` client."""
    try:
        from llama_index.llms.ollama import Ollama
    except ImportError as exc:
        raise missing_extra("ollama") from exc
    model = _require_model(settings)
    logger.info("LLM answers: Ollama model %s at %s", model, redact_url(settings.ollama_host))
    return Ollama(model=model, base_url=settings.ollama_host, request_timeout=settings.llm_timeout,
                  context_window=CONTEXT_WINDOW, temperature=TEMPERATURE,
                  additional_kwargs={"num_predict": MAX_ANSWER_TOKENS})


def make_llm(settings: Settings) -> Any:
    """The llama-index LLM for `settings.llm`; LLMSetupError when it cannot be built."""
    backend = settings.llm.strip().lower()
    if backend == "openai":
        return openai_llm(settings)
    if backend == "ollama":
        return ollama_llm(settings)
    raise LLMSetupError(f"CITEBOT_LLM={settings.llm!r} is not a backend citebot knows; "
                        f"use none (extractive answers), {' or '.join(BACKENDS)}")
