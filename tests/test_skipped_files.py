"""Skipped files and the no-change shortcut (index/ingest.py: _still_skipped, _unchanged_fast).

A folder holding an empty or a binary file made every `citebot index` a full pass (Chroma opened, every
changed-looking file read again) instead of "unchanged": the skipped file was never in the manifest, so the
folder never matched it. Skipped files are now remembered by their SHA-256 in the mirrored manifest; one that
later gets content is indexed, and one that could not be read is tried again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import index.ingest as ingest
from index.ingest import build_index
from tests.index.docmaker import EN_TEXT, ES_TEXT, binary_bytes
from tests.index.index_helpers import Lines
from tests.isolation import settings_for


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(corpus, data dir): two documents, an empty file and a binary one, indexed once."""
    root = tmp_path_factory.mktemp("skipped")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "storm.txt").write_text(EN_TEXT, encoding="utf-8")
    (corpus / "fabrica.txt").write_text(ES_TEXT, encoding="utf-8")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "photo.txt").write_bytes(binary_bytes())
    report = build_index(settings_for(root / "data", corpus))
    assert report.added == ["fabrica.txt", "storm.txt"] and len(report.skipped) == 2
    return corpus, root / "data"


@pytest.fixture
def work(built: tuple[Path, Path], tmp_path: Path) -> Iterator[tuple[Path, object]]:
    """A private copy of `built`, republished at its own location (the mirror names the data dir)."""
    import shutil

    corpus, data = tmp_path / "corpus", tmp_path / "data"
    shutil.copytree(built[0], corpus)
    shutil.copytree(built[1], data)
    settings = settings_for(data, corpus)
    build_index(settings)
    yield corpus, settings


def _no_store(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("the run opened the store: it did not take the no-change shortcut")


def test_a_folder_with_skipped_files_is_recognised_as_unchanged(work, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus, settings = work
    monkeypatch.setattr(ingest, "_open_store", _no_store)  # the shortcut never opens Chroma
    progress = Lines()
    report = build_index(settings, progress=progress)
    assert report.unchanged == ["fabrica.txt", "storm.txt"] and not report.changed
    # the same lines and counts as the full pass: the skipped files are still reported, one line each
    assert dict(report.skipped) == {"empty.txt": "empty file", "photo.txt": "binary or unknown encoding"}
    assert [line for line in progress.lines if line.startswith("skipped ")] == [
        "skipped empty.txt: empty file", "skipped photo.txt: binary or unknown encoding"]


def test_a_skipped_file_that_gets_content_is_indexed(work) -> None:
    corpus, settings = work
    (corpus / "empty.txt").write_text("The Varnholm ferry carries exactly 212 bicycles.\n", encoding="utf-8")
    report = build_index(settings)
    assert report.added == ["empty.txt"] and report.skipped == [("photo.txt", "binary or unknown encoding")]
    (corpus / "photo.txt").write_text("The harbour museum opens at nine.\n", encoding="utf-8")
    report = build_index(settings)
    assert report.added == ["photo.txt"] and report.skipped == []


def test_a_full_pass_does_not_read_unchanged_skipped_files_again(work, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus, settings = work
    (corpus / "storm.txt").write_text(EN_TEXT + "\nThe keeper retired in 1920.\n", encoding="utf-8")
    read: list[str] = []
    original = ingest.load_document

    def load(path: Path, *args: object):  # type: ignore[no-untyped-def]
        read.append(path.name)
        return original(path, *args)

    monkeypatch.setattr(ingest, "load_document", load)
    report = build_index(settings)
    assert report.updated == ["storm.txt"] and len(report.skipped) == 2
    assert read == ["storm.txt"]


def test_an_unreadable_file_is_not_remembered_as_skipped(work, monkeypatch: pytest.MonkeyPatch) -> None:
    """Permissions are fixed without changing a file's bytes: a file that could not be read is tried again."""
    corpus, settings = work
    locked = corpus / "locked.txt"
    locked.write_text("The lighthouse was painted red in 1920.\n", encoding="utf-8")
    original = ingest.load_document

    def refuse(path: Path, *args: object):  # type: ignore[no-untyped-def]
        if path.name == "locked.txt":  # root reads a chmod 000 file: refuse it here
            raise PermissionError(13, "Permission denied", str(path))
        return original(path, *args)

    with monkeypatch.context() as patch:
        patch.setattr(ingest, "load_document", refuse)
        report = build_index(settings)
    assert ("locked.txt", "cannot read (Permission denied)") in report.skipped
    report = build_index(settings)  # readable now, bytes unchanged
    assert report.added == ["locked.txt"]
