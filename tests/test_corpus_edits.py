"""bot/corpus_edits.py on a real index: an added document is answered from at once; a bad one changes nothing;
a forgotten one is gone from the folder, the index and the provenance record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.corpus_edits import add_document, forget_document, uploads
from bot.uploads import UploadRefused
from tests.conftest import make_settings

LIGHTHOUSE = (b"The keeper of the Varnholm lighthouse logged forty-one shipwrecks between 1890 and 1912.\n\n"
              b"She kept the logbook in a tin box under the lamp room stairs.\n")


@pytest.fixture
def live(private_data_dir: Path, corpus_copy: Path) -> tuple[Any, Any]:
    """(engine, settings) over a writable copy of the session index and corpus."""
    from bot.engine import Engine

    settings = make_settings(private_data_dir, corpus=corpus_copy)
    return Engine(settings, build_if_missing=False), settings


def test_added_document_is_answered_from_right_away(live: tuple[Any, Any]) -> None:
    engine, settings = live
    edit = add_document(engine, settings, "varnholm.txt", LIGHTHOUSE, 42, "@keeper")
    assert (edit.change.status, edit.change.name, edit.language) == ("added", "varnholm.txt", "en")
    assert edit.chunks >= 1 and (Path(settings.corpus) / "varnholm.txt").read_bytes() == LIGHTHOUSE
    answer = engine.answer("How many shipwrecks did the Varnholm keeper log?")
    assert answer.answered and answer.citations[0].file == "varnholm.txt" and "forty-one" in answer.text
    assert uploads(settings)["varnholm.txt"].by == "@keeper"
    again = add_document(engine, settings, "varnholm.txt", LIGHTHOUSE, 42, "@keeper")
    assert again.change.status == "unchanged" and again.chunks == edit.chunks


def test_unreadable_upload_leaves_corpus_and_index_as_they_were(live: tuple[Any, Any]) -> None:
    engine, settings = live
    before_files = sorted(p.name for p in Path(settings.corpus).iterdir())
    before_index = engine.documents()
    with pytest.raises(UploadRefused, match="could not read"):
        add_document(engine, settings, "scan.pdf", b"%PDF-1.7\n%%EOF\n", 42, "@keeper")
    assert sorted(p.name for p in Path(settings.corpus).iterdir()) == before_files
    assert engine.documents() == before_index and uploads(settings) == {}


def test_forget_removes_from_folder_index_and_provenance(live: tuple[Any, Any]) -> None:
    engine, settings = live
    add_document(engine, settings, "varnholm.txt", LIGHTHOUSE, 42, "@keeper")
    edit = forget_document(engine, settings, "varnholm.txt")
    assert edit.change.status == "removed" and not (Path(settings.corpus) / "varnholm.txt").exists()
    assert "varnholm.txt" not in {s.file for s in engine.documents()} and uploads(settings) == {}
    assert not [p for p in Path(settings.corpus).iterdir() if p.name.startswith(".")]
    with pytest.raises(UploadRefused, match="no document called"):
        forget_document(engine, settings, "varnholm.txt")
