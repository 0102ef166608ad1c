"""Settings for one test, isolated from the caller's environment and .env file (one place for every suite)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
ISOLATED_ENV = (
    "CHROMA_HOST", "CHROMA_PORT", "CITEBOT_CHROMA_HOST", "CITEBOT_CHROMA_PORT", "CITEBOT_CORPUS",
    "CITEBOT_DATA_DIR", "CITEBOT_CHUNK_SIZE", "CITEBOT_CHUNK_OVERLAP", "CITEBOT_LLM", "TELEGRAM_BOT_TOKEN",
    "CITEBOT_EMBEDDER", "CITEBOT_SENTENCE_PAIRS",
)


def settings_for(data_dir: Path, corpus: Path = CORPUS, **overrides: Any):
    """Settings with no .env file and none of the CHROMA_*/CITEBOT_* variables the caller may have set."""
    from bot.settings import Settings

    for var in ISOLATED_ENV:
        os.environ.pop(var, None)
    return Settings(_env_file=None, corpus=corpus, data_dir=data_dir, **overrides)  # type: ignore[call-arg]
