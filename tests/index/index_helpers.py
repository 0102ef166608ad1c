"""Helpers shared by the index tests (imported by name: `conftest` is ambiguous with several conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
LANGUAGES = ("en", "id", "es", "pt", "fr", "de", "it", "nl")
_ENV = (
    "CHROMA_HOST",
    "CHROMA_PORT",
    "CITEBOT_CHROMA_HOST",
    "CITEBOT_CHROMA_PORT",
    "CITEBOT_CORPUS",
    "CITEBOT_DATA_DIR",
    "CITEBOT_CHUNK_SIZE",
    "CITEBOT_CHUNK_OVERLAP",
    "CITEBOT_LLM",
)


def settings_for(data_dir: Path, corpus: Path = CORPUS, **overrides: Any):
    """Settings for one test: no .env file, no CHROMA_* or CITEBOT_* from the caller's environment."""
    from index.settings import Settings

    for var in _ENV:
        os.environ.pop(var, None)
    return Settings(_env_file=None, corpus=corpus, data_dir=data_dir, **overrides)  # type: ignore[call-arg]


def server_settings(data_dir: Path, corpus: Path, host: str, port: int):
    """Settings that use the Chroma server at host:port (CHROMA_HOST/CHROMA_PORT, as a user sets them)."""
    from index.settings import Settings

    settings_for(data_dir, corpus)  # clears the environment
    os.environ["CHROMA_HOST"], os.environ["CHROMA_PORT"] = host, str(port)
    try:
        return Settings(_env_file=None, corpus=corpus, data_dir=data_dir)  # type: ignore[call-arg]
    finally:
        del os.environ["CHROMA_HOST"], os.environ["CHROMA_PORT"]


def store_rows(settings: object) -> tuple[int, int, set[str]]:
    """(chunk rows, sentence rows, doc_keys) physically in the store, orphans included."""
    from index.store import Store, reset_embedded_cache

    reset_embedded_cache()
    store = Store(settings)  # type: ignore[arg-type]
    store.open(create=False)
    return store.count(), int(store._sentences.count()), store.stored_doc_keys()
