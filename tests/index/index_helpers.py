"""Helpers shared by the index tests (imported by name: `conftest` is ambiguous with several conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.isolation import CORPUS, ROOT, settings_for  # noqa: F401  (re-exported for the index tests)

LANGUAGES = ("en", "id", "es", "pt", "fr", "de", "it", "nl")


class Lines:
    """A Progress that keeps its messages (index runs report through one)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def message(self, text: str) -> None:
        self.lines.append(text)

    def start(self, total_tokens: int) -> None:
        pass

    def advance(self, tokens: int) -> None:
        pass


def server_settings(data_dir: Path, corpus: Path, host: str, port: int):
    """Settings that use the Chroma server at host:port (CHROMA_HOST/CHROMA_PORT, as a user sets them)."""
    from bot.settings import Settings

    settings_for(data_dir, corpus)  # clears the environment
    os.environ["CHROMA_HOST"], os.environ["CHROMA_PORT"] = host, str(port)
    try:
        return Settings(_env_file=None, corpus=corpus, data_dir=data_dir)  # type: ignore[call-arg]
    finally:
        del os.environ["CHROMA_HOST"], os.environ["CHROMA_PORT"]


def first_record_of(batch):
    """The first record of an index/batch_writer.py Batch, its vector ready: a test stores it, then "dies"."""
    from index.batch_writer import Batch

    vectors, pairs = batch.filled()
    return Batch(batch.records[:1], batch.is_sentence, vectors[:1], [], None, batch.pooled, pair_vectors=pairs[:1])


def store_rows(settings: object) -> tuple[int, int, set[str]]:
    """(chunk rows, sentence rows, doc_keys) physically in the store, orphans included."""
    from index.store import Store, reset_embedded_cache

    reset_embedded_cache()
    store = Store(settings)  # type: ignore[arg-type]
    store.open(create=False)
    return store.count(), int(store._sentences.count()), store.stored_doc_keys()


def stored_manifest(settings: object):
    """The manifest the store holds now, read through a fresh client (another run may have written it)."""
    from index.store import Store, reset_embedded_cache

    reset_embedded_cache()
    store = Store(settings)  # type: ignore[arg-type]
    store.open(create=False)
    manifest = store.read_manifest()
    assert manifest is not None
    return manifest
