"""`citebot index --rebuild` builds beside the live index and swaps at the end (index/ingest.py: _start_rebuild,
index/publish.py: publish_rebuilt, index/store.py: swap_in_rebuilt).

It dropped the collections first: while it ran, `ask` and running bots found no index (`ask` sat waiting for the
lock), and a rebuild killed or failed half-way left only what it had published. Now the old index answers until
the new one is complete, a killed rebuild leaves it untouched (the next `--rebuild` resumes its work), a running
reader moves to the new index without a failed question, and a swap killed half-way is finished by the next run.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.ingest import build_index
from tests.index.docmaker import EN_TEXT, ES_TEXT
from tests.index.index_helpers import Lines
from tests.isolation import settings_for

ASCEND = "Who makes the Ascend chips?"  # answered by 000_a037ab22804b191b.txt of the bundled corpus
KEEP = "000_a037ab22804b191b.txt"


def _env(corpus: Path, data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHROMA_", "CITEBOT_"))}
    env.update(CITEBOT_CORPUS=str(corpus), CITEBOT_DATA_DIR=str(data), ANONYMIZED_TELEMETRY="False",
               PYTHONUNBUFFERED="1", **extra)
    return env


def _citebot(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot.cli", *args]


def _manifest(settings: object):
    from index.store import Store, reset_embedded_cache

    reset_embedded_cache()
    store = Store(settings)  # type: ignore[arg-type]
    return store.read_manifest()


def _hits(settings: object) -> list[tuple[str, str]]:
    """What retrieval finds for ASCEND, as a fresh reader sees it (the reader is let go on return)."""
    from index.retrieve import Retriever

    return [(p.id, p.file) for p in Retriever(settings).retrieve(ASCEND, k=4).passages]  # type: ignore[arg-type]


def _collections(data: Path) -> set[str]:
    with sqlite3.connect(f"file:{data / 'chroma' / 'chroma.sqlite3'}?mode=ro", uri=True) as db:
        return {row[0] for row in db.execute("SELECT name FROM collections")}


def _ask(corpus: Path, data: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(_citebot("ask", "--json", ASCEND), env=_env(corpus, data), cwd=cwd, text=True,
                              capture_output=True, timeout=90)
    except subprocess.TimeoutExpired as exc:  # the old rebuild: no index, so `ask` waited for the lock
        raise AssertionError(f"`citebot ask` did not answer during the rebuild: {exc.stderr}") from None


def _stop_between_writes(pid: int, data: Path) -> None:
    """Keep the stopped rebuild stopped only where it holds no SQLite write lock: stopped inside a write (its
    batch writer commits every few texts) it held the store's lock for as long as it stayed stopped, a reader's
    open failed on "database is locked", was taken for a missing index, and `ask` waited to build one (a
    fresh-clone run, 2026-12-04). A killed rebuild, which the test stands for, holds no lock."""
    for _ in range(100):
        try:
            with sqlite3.connect(data / "chroma" / "chroma.sqlite3", timeout=0) as db:
                db.execute("BEGIN IMMEDIATE")
                db.rollback()
            return
        except sqlite3.OperationalError:
            os.kill(pid, signal.SIGCONT)
            time.sleep(0.02)
            os.kill(pid, signal.SIGSTOP)
    raise AssertionError("the rebuild held the store's write lock at every stop")


def test_a_rebuild_killed_midway_leaves_the_old_index_answering(corpus_copy: Path, private_data_dir: Path,
                                                                tmp_path: Path) -> None:
    corpus, data = corpus_copy, private_data_dir
    settings = settings_for(data, corpus)
    before = _manifest(settings)
    assert before is not None and len(before.files) == 5
    hits_before = _hits(settings)

    rebuild = subprocess.Popen(_citebot("index", "--rebuild"), env=_env(corpus, data, CITEBOT_EMBED_BATCH_SIZE="8"),
                               cwd=tmp_path, text=True, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               start_new_session=True)
    seen: list[str] = []
    try:
        for line in rebuild.stderr:  # type: ignore[union-attr]
            seen.append(line)
            if line.startswith("embedded "):
                done, total = line.split()[1].split("/")
                assert int(done) < int(total), f"the rebuild ended before it could be stopped: {line}"
                os.kill(rebuild.pid, signal.SIGSTOP)  # half-way, holding the lock
                _stop_between_writes(rebuild.pid, data)
                break
        assert rebuild.poll() is None, "".join(seen)
        asked = _ask(corpus, data, tmp_path)  # while the rebuild is under way
        assert asked.returncode == 0 and '"answered": true' in asked.stdout, asked.stderr
        assert "no index yet" not in asked.stderr and KEEP in asked.stdout, asked.stderr
    finally:
        os.kill(rebuild.pid, signal.SIGKILL)
        rebuild.wait(timeout=30)
    assert "rebuilding beside the live index" in "".join(seen), "".join(seen)

    after = _manifest(settings)  # killed: the old index, untouched and answering as before
    assert after is not None and after.to_json() == before.to_json()
    assert _hits(settings) == hits_before

    # a completed rebuild replaces it; this one resumes the killed one's work (a smaller folder: a fast test)
    for doc in corpus.iterdir():
        if doc.name != KEEP:
            doc.unlink()
    progress = Lines()
    report = build_index(settings, rebuild=True, progress=progress)
    assert any(line.startswith("resuming an interrupted rebuild") for line in progress.lines), progress.lines
    assert not any("keeping the previous index" in line for line in progress.lines)  # no reader: no wait
    assert report.added == [KEEP] and report.version == before.version + 1
    rebuilt = _manifest(settings)
    assert rebuilt is not None and set(rebuilt.files) == {KEEP} and rebuilt.version == report.version
    entry = rebuilt.files[KEEP]
    assert 0 < report.embedded_texts < entry.chunks + entry.sentences  # what the killed run stored was reused
    assert _collections(data) == {"citebot_chunks", "citebot_sentences"}  # nothing beside it, nothing left over
    from tests.index.index_helpers import store_rows

    chunks, _, keys = store_rows(settings)
    assert chunks == report.chunks and keys == {entry.doc_key}  # the other four files' vectors went too


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[Path, Path]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "storm.txt").write_text(EN_TEXT, encoding="utf-8")
    (corpus / "fabrica.txt").write_text(ES_TEXT, encoding="utf-8")
    build_index(settings_for(tmp_path / "data", corpus))
    return corpus, tmp_path / "data"


def test_a_running_reader_answers_throughout_a_rebuild_and_switches_to_it(tiny: tuple[Path, Path],
                                                                         tmp_path: Path) -> None:
    """A reader asks every 0.25 s, checking for a new version first as the engine does (every reload_seconds):
    no question may fail, neither while the rebuild runs nor when it deletes the collections it replaced."""
    from index.retrieve import Retriever

    corpus, data = tiny
    settings = settings_for(data, corpus, reload_seconds=0.5)
    reader = Retriever(settings)
    old_version = reader.manifest.version
    rebuild = subprocess.Popen(_citebot("index", "--rebuild"), env=_env(corpus, data, CITEBOT_RELOAD_SECONDS="0.5"),
                               cwd=tmp_path, text=True, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    versions: list[int] = []
    ended_at: float | None = None
    try:
        while ended_at is None or time.monotonic() - ended_at < 2.0:
            if ended_at is None and rebuild.poll() is not None:
                ended_at = time.monotonic()
            reader.refresh()
            hits = reader.retrieve("How many gales hit the northern coast in 1911?", k=2).passages
            assert hits and hits[0].file == "storm.txt"
            versions.append(reader.manifest.version)
            time.sleep(0.25)
    finally:
        if rebuild.poll() is None:
            rebuild.kill()
        _, err = rebuild.communicate(timeout=60)
    assert rebuild.returncode == 0, err
    assert versions[0] == old_version and versions[-1] == old_version + 1, versions
    # the reader held the old version open: the old collections were kept until it could have switched
    assert "keeping the previous index up to 1.5 s" in err, err
    assert _collections(data) == {"citebot_chunks", "citebot_sentences"}


def test_a_swap_killed_half_way_is_finished_by_the_next_run(tiny: tuple[Path, Path],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Killed after moving the live collections aside and before renaming the rebuilt ones into place: no live
    index at all until the next run, which finishes the swap (what a front end runs when it finds none)."""
    from index.retrieve import Retriever
    from index.store import Store

    corpus, data = tiny
    settings = settings_for(data, corpus)
    old_version = _manifest(settings).version
    renames: list[tuple[str, str]] = []
    original = Store._rename

    def rename(self: Store, old: str, new: str) -> None:
        if len(renames) == 2:  # the live sentences and chunks are aside; the rebuilt chunks would come next
            raise KeyboardInterrupt
        renames.append((old, new))
        original(self, old, new)

    with monkeypatch.context() as patch:
        patch.setattr(Store, "_rename", rename)
        with pytest.raises(KeyboardInterrupt):
            build_index(settings, rebuild=True)
    assert "citebot_chunks" not in _collections(data)
    progress = Lines()
    report = build_index(settings, progress=progress)  # not the no-change shortcut: the swap is pending
    assert any(line.startswith("finishing the swap") for line in progress.lines), progress.lines
    assert report.version == old_version + 1 and not report.changed and len(report.unchanged) == 2
    assert _collections(data) == {"citebot_chunks", "citebot_sentences"}
    hits = Retriever(settings).retrieve("¿Cuántos empleos creará la fábrica?", k=2).passages
    assert hits[0].file == "fabrica.txt"


def test_a_rebuild_killed_before_deleting_the_old_collections_is_cleaned_up_by_the_next_run(
        tiny: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Killed once the new index is live but before the replaced pair is deleted (while it waits for readers):
    the next run must not take the no-change shortcut past it, or the store would keep two copies for good."""
    import index.ingest as ingest
    from index.store import Store

    corpus, data = tiny
    settings = settings_for(data, corpus)
    old_version = _manifest(settings).version
    with monkeypatch.context() as patch:
        patch.setattr(Store, "drop_previous", lambda self: (_ for _ in ()).throw(KeyboardInterrupt()))
        with pytest.raises(KeyboardInterrupt):
            build_index(settings, rebuild=True)
    assert {"citebot_chunks.previous", "citebot_chunks"} <= _collections(data)
    assert _manifest(settings).version == old_version + 1  # the new index is live
    report = build_index(settings)
    assert not report.changed and report.version == old_version + 1
    assert _collections(data) == {"citebot_chunks", "citebot_sentences"}
    with monkeypatch.context() as patch:  # and the manifest copy is back: the next run is the shortcut
        patch.setattr(ingest, "_open_store", lambda *args: (_ for _ in ()).throw(AssertionError("store opened")))
        assert build_index(settings).unchanged == ["fabrica.txt", "storm.txt"]
