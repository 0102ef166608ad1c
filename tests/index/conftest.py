"""Fixtures for the index tests: tiny corpora written into tmp_path.

Most tests build their own index of two or three short files (a few seconds each); tests that need the
bundled corpus read the session index from tests/conftest.py (`built_data_dir`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # tests/index must never shadow the `index` package (see pyproject)
    sys.path.insert(0, str(ROOT))

from docmaker import EN_TEXT, ES_TEXT, ID_TEXT, write  # noqa: E402


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """Three short documents: English (nested folder), Spanish in cp1252, Indonesian markdown."""
    corpus = tmp_path / "corpus"
    write(corpus / "notes" / "lighthouse.txt", EN_TEXT)
    write(corpus / "fabrica.txt", ES_TEXT, "cp1252")
    write(corpus / "sepeda.md", ID_TEXT)
    return corpus
