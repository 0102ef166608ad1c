"""Chunks past the in-memory budget go to a spill file (index/chunk_spill.py), so the write pass never reads
and chunks a file a second time; the index is the one a run that kept everything in memory builds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from docmaker import DE_TEXT, EN_TEXT, ES_TEXT, write
from index_helpers import settings_for, store_rows, stored_manifest

import index.ingest as ingest
from index.chunk_spill import spill_dir
from index.ingest import build_index


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    write(folder / "a-storm.txt", (EN_TEXT + "\n") * 6)
    write(folder / "b-fabrica.txt", (ES_TEXT + "\n") * 6)
    write(folder / "c-bibliothek.txt", (DE_TEXT + "\n") * 6)
    return folder


def _built(settings) -> tuple[dict, tuple]:
    manifest = stored_manifest(settings)
    return ({name: (e.doc_key, e.chunks, e.sentences, e.tokens) for name, e in manifest.files.items()},
            store_rows(settings))


def _count_loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    loads: list[str] = []
    real = ingest._load

    def counting(path, corpus, languages):
        loads.append(path.name)
        return real(path, corpus, languages)

    monkeypatch.setattr(ingest, "_load", counting)
    return loads


def test_past_the_memory_budget_chunks_are_spilled_not_read_again(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reference = settings_for(tmp_path / "reference", corpus)
    build_index(reference)  # everything fits in memory

    monkeypatch.setattr(ingest, "KEPT_CHUNK_CHARS", 300)  # the first file overflows it, the others spill whole
    loads = _count_loads(monkeypatch)
    settings = settings_for(tmp_path / "data", corpus)
    report = build_index(settings)
    assert sorted(loads) == ["a-storm.txt", "b-fabrica.txt", "c-bibliothek.txt"]  # each read once
    assert _built(settings) == _built(reference)
    assert report.embedded_texts == sum(e.chunks + e.sentences for e in stored_manifest(settings).files.values())
    spills = spill_dir(Path(settings.data_dir), settings.collection)
    assert not spills.exists() or not any(spills.iterdir())  # nothing left behind


def test_a_disk_that_refuses_the_spill_falls_back_to_reading_the_file_again(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reference = settings_for(tmp_path / "reference", corpus)
    build_index(reference)
    monkeypatch.setattr(ingest, "KEPT_CHUNK_CHARS", 300)
    loads = _count_loads(monkeypatch)
    settings = settings_for(tmp_path / "data", corpus)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "spill").write_text("a file where the spill folder goes: every spill write fails")
    build_index(settings)
    assert sorted(loads) == sorted(["a-storm.txt", "b-fabrica.txt", "c-bibliothek.txt"] * 2)  # read again
    assert _built(settings) == _built(reference)


def test_a_killed_runs_spill_files_are_cleared_by_the_next_run(corpus: Path, tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data", corpus)
    build_index(settings)
    stale = spill_dir(Path(settings.data_dir), settings.collection) / "0123456789abcdef0123.jsonl"
    stale.parent.mkdir(parents=True)
    stale.write_text('{"half": "a line')
    shutil.copy(corpus / "a-storm.txt", corpus / "d-copy.txt")
    assert build_index(settings).added == ["d-copy.txt"]
    assert not stale.exists()
