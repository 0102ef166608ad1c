"""Choose the answer synthesizer from settings: extractive (default) or an LLM backend."""

from __future__ import annotations

from typing import Any

from index.settings import Settings


def make_synthesizer(settings: Settings, retriever: Any) -> Any:
    """The extractive synthesizer, or an LLM synthesizer wrapping it as its fallback."""
    from bot.extractive import ExtractiveSynthesizer

    extractive = ExtractiveSynthesizer(retriever, abstain_margin=settings.abstain_below)
    if settings.llm.lower() in ("", "none"):
        return extractive
    from bot.llm.synthesizer import make_llm_synthesizer

    return make_llm_synthesizer(settings, extractive)
