"""Publish as you go (index/ingest.py): a long run publishes the files embedded so far at checkpoints, through
the same path as the final publication (manifest swap, stale versions deleted, BM25 saved, index-version
bumped), and ends in the same state as a run without checkpoints."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from docmaker import FR_TEXT, write
from index_helpers import first_record_of, settings_for, store_rows, stored_manifest

from index.ingest import build_index
from index.local_state import LocalState
from index.publish import mirrored_manifest
from index.store import describe_location


class Watcher:
    """A Progress that, at each checkpoint message, looks at what a reader of the data dir would see."""

    def __init__(self, settings) -> None:
        self.settings = settings
        self.state = LocalState(Path(settings.data_dir), settings.collection)
        self.seen: list[tuple[int | None, list[str], bool]] = []  # (index-version, files, BM25 saved)

    def message(self, text: str) -> None:
        if text.startswith("published version"):
            location = describe_location(self.settings)
            manifest = mirrored_manifest(self.state, location)
            assert manifest is not None
            version = self.state.read_version()
            self.seen.append((version, sorted(manifest.files), self.state.bm25_dir(location, version).exists()))

    def start(self, total_tokens: int) -> None:
        pass

    def advance(self, tokens: int) -> None:
        pass


def _final(settings) -> dict:
    manifest = stored_manifest(settings)
    rows = store_rows(settings)
    entries = {k: (v.doc_key, v.chunks, v.sentences, v.tokens) for k, v in manifest.files.items()}
    return {"files": entries, "rows": rows, "version": manifest.version}


def test_checkpoints_publish_files_as_they_are_embedded(small_corpus: Path, tmp_path: Path) -> None:
    plain_corpus = tmp_path / "plain-corpus"
    shutil.copytree(small_corpus, plain_corpus)
    settings = settings_for(tmp_path / "data", small_corpus)
    watcher = Watcher(settings)
    report = build_index(settings, progress=watcher, checkpoint_seconds=0)
    # three new files: published after the first and the second, the third by the final publication
    assert watcher.seen == [(1, ["fabrica.txt"], True), (2, ["fabrica.txt", "notes/lighthouse.txt"], True)]
    assert report.version == 3
    assert report.added == ["fabrica.txt", "notes/lighthouse.txt", "sepeda.md"]

    plain_settings = settings_for(tmp_path / "plain-data", plain_corpus)
    plain = build_index(plain_settings)  # default interval: one publication
    assert plain.version == 1
    with_checkpoints, without = _final(settings), _final(plain_settings)
    assert with_checkpoints["files"] == without["files"]
    assert with_checkpoints["rows"] == without["rows"]
    assert (report.chunks, report.tokens, report.embedded_texts) == (plain.chunks, plain.tokens, plain.embedded_texts)


def test_removed_files_leave_at_the_first_checkpoint(small_corpus: Path, tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data", small_corpus)
    build_index(settings)
    (small_corpus / "sepeda.md").unlink()
    write(small_corpus / "a-musee.md", FR_TEXT)
    write(small_corpus / "b-musee.md", FR_TEXT + "\nLe musée ferme le lundi.\n")
    watcher = Watcher(settings)
    report = build_index(settings, progress=watcher, checkpoint_seconds=0)
    assert report.removed == ["sepeda.md"]
    assert watcher.seen == [(2, ["a-musee.md", "fabrica.txt", "notes/lighthouse.txt"], True)]
    final = _final(settings)
    assert final["version"] == report.version == 3
    assert sorted(final["files"]) == ["a-musee.md", "b-musee.md", "fabrica.txt", "notes/lighthouse.txt"]
    _, _, stored_keys = final["rows"]
    assert stored_keys == {entry[0] for entry in final["files"].values()}  # the removed version was deleted
    assert not LocalState(Path(settings.data_dir), settings.collection).pending_path.exists()


def test_a_run_dying_after_a_checkpoint_keeps_it_and_the_next_run_resumes(
    small_corpus: Path, tmp_path: Path, monkeypatch
) -> None:
    import index.batch_writer as batch_writer

    settings = settings_for(tmp_path / "data", small_corpus)
    real = batch_writer.store_batch

    def die_on_the_last_file(store, embedder, batch, *args, **kwargs):
        if batch.records[0].metadata["file"] == "sepeda.md":
            real(store, embedder, first_record_of(batch), *args, **kwargs)  # part of the file stored, then it dies
            raise RuntimeError("killed")
        real(store, embedder, batch, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(batch_writer, "store_batch", die_on_the_last_file)
        try:
            build_index(settings, checkpoint_seconds=0)
        except RuntimeError:
            pass
        else:
            raise AssertionError("the run did not die")
    state = LocalState(Path(settings.data_dir), settings.collection)
    published = _final(settings)
    assert published["version"] == 2 and sorted(published["files"]) == ["fabrica.txt", "notes/lighthouse.txt"]
    assert state.read_version() == 2 and state.pending_path.exists()
    assert len(published["rows"][2]) == 3  # the dying file's orphan is stored, not live

    report = build_index(settings)
    assert report.added == ["sepeda.md"] and report.unchanged == ["fabrica.txt", "notes/lighthouse.txt"]
    final = _final(settings)
    _, chunks, sentences, _ = final["files"]["sepeda.md"]
    assert report.embedded_texts == chunks + sentences - 1  # the record the dead run stored was reused
    assert final["rows"][2] == {entry[0] for entry in final["files"].values()}
    assert not state.pending_path.exists()


def test_a_costly_publication_stretches_the_wait_before_the_next(
    small_corpus: Path, tmp_path: Path, monkeypatch
) -> None:
    """Each publication rebuilds BM25 over the whole index: when one takes T seconds the next waits at least
    CHECKPOINT_COST_RATIO x T, so publishing never takes over a big run (here: one checkpoint, not two)."""
    import index.ingest as ingest

    real = ingest.record_published

    def slow(*args, **kwargs):  # as a publication of a big index would be
        time.sleep(1.0)
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest, "record_published", slow)
    settings = settings_for(tmp_path / "data", small_corpus)
    watcher = Watcher(settings)
    report = build_index(settings, progress=watcher, checkpoint_seconds=0.01)
    assert [seen[0] for seen in watcher.seen] == [1]
    assert report.version == 2


def test_the_checkpoint_interval_is_a_setting(small_corpus: Path, tmp_path: Path, monkeypatch) -> None:
    from bot.settings import Settings

    assert settings_for(tmp_path / "data", small_corpus).checkpoint_seconds == 120  # the default
    monkeypatch.setenv("CITEBOT_CHECKPOINT_SECONDS", "0")
    settings = Settings(_env_file=None, corpus=small_corpus, data_dir=tmp_path / "data")
    assert settings.checkpoint_seconds == 0
    watcher = Watcher(settings)
    assert build_index(settings, progress=watcher).version == 3  # two checkpoints and the final publication
    assert [seen[0] for seen in watcher.seen] == [1, 2]
