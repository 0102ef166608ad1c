"""Damaged search-graph files, and a data directory that cannot be written: a short message that says what to
do, exit 2, never a traceback.

Damaged graph: Chroma keeps each collection's HNSW graph in files next to chroma.sqlite3 (`<segment>/*.bin` and
`index_metadata.pickle`). Emptied, every read of the collection fails inside Chroma ("Error loading hnsw
index"): `citebot ask` and `citebot index` after a change printed its traceback. They must say that the index
cannot be read and to run `citebot index --rebuild`; and the rebuild must repair it.

Chroma writes a collection's graph files only once `sync_threshold` (1000) records are waiting; a smaller
collection is searched from its log and has no files to damage. The index here is built with a threshold of 2,
so the tiny corpus gets the files a corpus of over a thousand sentences gets.

Read-only data dir: Chroma opens its store for writing even to read it, and fails with InternalError ("attempt
to write a readonly database"). That must say the data folder is not writable, not call the index damaged and
send the user to a rebuild that cannot work either.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fault_rig import TINY_FILE, cli_env, no_traceback, run_citebot, settings_for

QUESTION = "Siapa perusahaan induk TikTok?"
REBUILD = "citebot index --rebuild"
UNREADABLE = "cannot be read"
NOT_WRITABLE = "is not writable"
READ_ONLY_ERROR = "error returned from database: (code: 8) attempt to write a readonly database"  # chromadb 1.5's
SMALL_SYNC = {"sync_threshold": 2, "batch_size": 2}  # graph files written after 2 records, not 1000


def _short_error(result: subprocess.CompletedProcess[str]) -> bool:
    """Exit 2 with a sentence or two on stderr, no traceback."""
    return (result.returncode == 2 and len(result.stderr.strip().splitlines()) <= 2
            and no_traceback(result.stdout, result.stderr))


def _shown(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}; stderr:\n{result.stderr[-3000:]}"


@pytest.fixture(scope="module")
def graph_index(tmp_path_factory: pytest.TempPathFactory, tiny_corpus: Path) -> Path:
    """An embedded index of `tiny_corpus` whose collections have their HNSW graphs on disk (treat as
    read-only; copy it to damage it)."""
    import index.store
    from index.ingest import build_index

    data_dir = tmp_path_factory.mktemp("graph-data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(index.store, "HNSW", {**index.store.HNSW, **SMALL_SYNC})
        build_index(settings_for(data_dir, tiny_corpus))
    segments = list((data_dir / "chroma").glob("*/index_metadata.pickle"))
    assert len(segments) == 2, f"expected both collections' graphs on disk, found {segments}"
    return data_dir


def _copy_as_built_here(source: Path, target: Path, corpus: Path) -> Path:
    """`source` copied to `target` with its local state re-published for the new path (a no-change run), and this
    process's Chroma clients forgotten, so nothing of it writes the graph files again."""
    from index.ingest import build_index
    from index.store import reset_embedded_cache

    shutil.copytree(source, target)
    report = build_index(settings_for(target, corpus))
    assert report.embedded_texts == 0 and not report.changed
    reset_embedded_cache()
    return target


def _empty_graph_files(data_dir: Path) -> None:
    """`truncate -s0 DATA/chroma/*/*.bin`, as the sweep did."""
    files = list((data_dir / "chroma").glob("*/*.bin"))
    assert files, "no graph files to damage"
    for path in files:
        path.write_bytes(b"")


@pytest.fixture
def damaged_graph(tmp_path: Path, graph_index: Path, tiny_corpus: Path) -> Path:
    """A private copy of `graph_index` whose graph files are emptied."""
    data = _copy_as_built_here(graph_index, tmp_path / "data", tiny_corpus)
    _empty_graph_files(data)
    return data


@pytest.fixture
def own_corpus(tmp_path: Path, tiny_corpus: Path) -> Path:
    """A private copy of the tiny corpus, to change."""
    corpus = tmp_path / "corpus"
    shutil.copytree(tiny_corpus, corpus)
    return corpus


# damaged graph files ----------------------------------------------------------------------------------
def test_ask_on_damaged_graph_files_says_to_rebuild(damaged_graph: Path, tiny_corpus: Path, tmp_path: Path) -> None:
    result = run_citebot(["ask", QUESTION], cli_env(damaged_graph, tiny_corpus), tmp_path)
    assert _short_error(result), _shown(result)
    assert UNREADABLE in result.stderr and REBUILD in result.stderr, _shown(result)


def test_index_after_a_change_on_damaged_graph_files_says_to_rebuild(
    damaged_graph: Path, own_corpus: Path, tmp_path: Path
) -> None:
    """A run with something to embed first asks the store which records it already holds (existing_ids)."""
    (own_corpus / "note.txt").write_text("Huawei membuat chip Ascend untuk pelatihan AI di Tiongkok.\n",
                                         encoding="utf-8")
    result = run_citebot(["index"], cli_env(damaged_graph, own_corpus), tmp_path)
    assert _short_error(result), _shown(result)
    assert UNREADABLE in result.stderr and REBUILD in result.stderr, _shown(result)


def test_the_advice_works_rebuild_repairs_damaged_graph_files(
    damaged_graph: Path, tiny_corpus: Path, tmp_path: Path
) -> None:
    env = cli_env(damaged_graph, tiny_corpus)
    rebuild = run_citebot(["index", "--rebuild"], env, tmp_path)
    assert rebuild.returncode == 0 and no_traceback(rebuild.stdout, rebuild.stderr), _shown(rebuild)
    ask = run_citebot(["ask", QUESTION], env, tmp_path)
    assert ask.returncode == 0 and TINY_FILE in ask.stdout, _shown(ask)


def test_store_reads_raise_index_corrupt_chained_to_chromas_error(damaged_graph: Path, tiny_corpus: Path) -> None:
    """Each read the engine and an index run make: IndexCorrupt with Chroma's own error as its cause."""
    import chromadb.errors

    from index.errors import IndexCorrupt
    from index.store import Store

    store = Store(settings_for(damaged_graph, tiny_corpus))
    store.open(create=False)
    vector = [0.05] * 384
    reads = {
        "query_chunks": lambda: store.query_chunks(vector, 3),
        "query_sentences": lambda: store.query_sentences(vector, 3),
        "existing_ids": lambda: store.existing_ids(["x:0"]),
        "existing_ids(sentences)": lambda: store.existing_ids(["x:s0"], sentences=True),
        "iter_chunks": lambda: list(store.iter_chunks()),
    }
    for name, read in reads.items():
        with pytest.raises(IndexCorrupt, match="run `citebot index --rebuild`") as caught:
            read()
        assert isinstance(caught.value.__cause__, chromadb.errors.InternalError), name


class _Failing:
    """A collection whose reads raise `error`."""

    def __init__(self, error: BaseException):
        self.error = error

    def query(self, **_: object) -> None:
        raise self.error

    def get(self, **_: object) -> None:
        raise self.error


@pytest.mark.parametrize("error", [KeyboardInterrupt(), ValueError("a bug in the call")], ids=repr)
def test_store_reads_let_other_errors_through(tiny_copy: Path, tiny_corpus: Path, error: BaseException) -> None:
    """Only Chroma failing on the stored index becomes IndexCorrupt: Ctrl-C and bugs go through as they are."""
    from index.store import Store

    store = Store(settings_for(tiny_copy, tiny_corpus))
    store.open(create=False)
    store._chunks = store._sentences = _Failing(error)
    with pytest.raises(type(error)) as caught:
        store.query_sentences([0.05] * 384, 3)
    assert caught.value is error
    with pytest.raises(type(error)):
        store.existing_ids(["x:0"])


# a data dir that cannot be written ---------------------------------------------------------------------
def _assert_not_writable(result: subprocess.CompletedProcess[str], data: Path) -> None:
    assert _short_error(result), _shown(result)
    assert NOT_WRITABLE in result.stderr and str(data) in result.stderr, _shown(result)
    assert "--rebuild" not in result.stderr and UNREADABLE not in result.stderr, _shown(result)


def _read_only_mount(folder: Path) -> list[str] | None:
    """A command prefix running its command with `folder` mounted read-only in a private mount namespace (so that
    even root cannot write it), or None when this machine does not allow it."""
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return None
    prefix = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
              'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"', str(folder)]
    check = [sys.executable, "-c", "import os, sys; sys.exit(os.access(sys.argv[1], os.W_OK))", str(folder)]
    try:
        probe = subprocess.run(prefix + check, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return prefix if probe.returncode == 0 else None


@pytest.fixture
def read_only(tiny_copy: Path) -> Iterator[list[str]]:
    """`tiny_copy` made read-only for the commands run with the yielded prefix: `chmod -R a-w` for a normal user;
    as root (chmod does not stop root writing), a read-only bind mount."""
    if os.geteuid() != 0:
        modes = {path: path.stat().st_mode for path in [tiny_copy, *tiny_copy.rglob("*")]}
        for path in modes:
            path.chmod(path.stat().st_mode & ~0o222)
        try:
            yield []
        finally:
            for path, mode in sorted(modes.items(), key=lambda item: len(item[0].parts)):
                path.chmod(mode)
        return
    prefix = _read_only_mount(tiny_copy)
    if prefix is None:
        pytest.skip("running as root, where chmod does not stop writes, and a read-only bind mount (unshare "
                    "--mount) is not allowed here; test_chroma_read_only_error_says_not_writable covers the message")
    yield prefix


@pytest.mark.parametrize("command", [["sources"], ["ask", QUESTION]], ids=lambda c: c[0])
def test_read_only_data_dir_says_not_writable(
    read_only: list[str], tiny_copy: Path, tiny_corpus: Path, tmp_path: Path, command: list[str]
) -> None:
    result = subprocess.run([*read_only, sys.executable, "-m", "bot.cli", *command],
                            env=cli_env(tiny_copy, tiny_corpus), cwd=tmp_path, text=True, capture_output=True,
                            timeout=120)
    _assert_not_writable(result, tiny_copy)


_REFUSING_CHROMA = f"""
import sys
import chromadb
import chromadb.errors


def refuse(*args, **kwargs):
    raise chromadb.errors.InternalError({READ_ONLY_ERROR!r})


chromadb.PersistentClient = refuse
from bot.cli import main
sys.argv[0] = "citebot"
main()
"""


@pytest.mark.parametrize("command", [["sources"], ["ask", QUESTION]], ids=lambda c: c[0])
def test_chroma_read_only_error_says_not_writable(
    tiny_copy: Path, tiny_corpus: Path, tmp_path: Path, command: list[str]
) -> None:
    """The error Chroma raises opening a store it cannot write (as it does on a read-only data dir, whoever runs
    it), in a data dir that is writable for everything else: the message comes from what Chroma says."""
    result = subprocess.run([sys.executable, "-c", _REFUSING_CHROMA, *command], env=cli_env(tiny_copy, tiny_corpus),
                            cwd=tmp_path, text=True, capture_output=True, timeout=120)
    _assert_not_writable(result, tiny_copy)
