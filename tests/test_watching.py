"""bot/watching.py's pass summaries, and the watcher's filter: hidden files (upload and editor temporaries)
start no index pass."""

from __future__ import annotations

from pathlib import Path

from watchfiles import Change

from bot.watching import describe_pass
from index.ingest import IndexReport
from index.watch import _outside


def test_hidden_temporary_files_start_no_pass_but_documents_do(tmp_path: Path) -> None:
    keep = _outside(tmp_path / "data")
    corpus = tmp_path / "corpus"
    assert keep(Change.added, str(corpus / "report.pdf"))
    assert keep(Change.deleted, str(corpus / "sub" / "notes.md"))
    assert not keep(Change.added, str(corpus / ".citebot-upload-x1y2.pdf"))
    assert not keep(Change.deleted, str(corpus / ".citebot-removed-ab12-report.pdf"))
    assert not keep(Change.modified, str(tmp_path / "data" / "chroma" / "chroma.sqlite3"))


def test_a_link_loop_made_while_watching_does_not_stop_the_watcher(tmp_path: Path) -> None:
    """Resolving a looping link raises RuntimeError; inside the filter it ended the watcher (sweep of 2026-12-03).
    The change still starts a pass, and the scan skips the link with one line."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "self.txt").symlink_to("self.txt")
    assert _outside(tmp_path / "data")(Change.added, str(corpus / "self.txt"))


def test_a_pass_is_one_line_with_untrusted_names_cleaned() -> None:
    report = IndexReport(added=["a.pdf", "evil\x1b[2J.txt"], removed=["old.md"], version=7, chunks=40)
    line = describe_pass(report)
    assert line == "indexed added a.pdf, evil.txt; removed old.md (index version 7, 40 chunks)"
    assert describe_pass(IndexReport()) == "corpus changed; the index already matches it"


def test_the_filter_leaves_out_exactly_what_the_corpus_scan_leaves_out(tmp_path: Path) -> None:
    """watchfiles' DefaultFilter dropped node_modules, __pycache__, flycheck_*, .pyc-like names: documents
    `citebot index` indexes, which the watcher never saw. Now a change is kept iff the scan can see the file."""
    from index.load import scan_corpus

    corpus, data = tmp_path / "corpus", tmp_path / "corpus" / "data"
    names = ["a.txt", "node_modules/railway.txt", "__pycache__/notes.md", "sub/flycheck_draft.md", ".git/x.txt",
             "venv/.venv/lib.txt", "sub/.cache/old.txt", ".hidden.md", "sub/.draft.md", "site-packages/p.md",
             "data/chroma/doc.txt", "4913.txt", ".idea/workspace.md"]
    for name in names:
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        (corpus / name).write_text("text")
    scanned = {p.relative_to(corpus).as_posix() for p in scan_corpus(corpus).files} - {"data/chroma/doc.txt"}
    keep = _outside(data, corpus)
    kept = {name for name in names if keep(Change.added, str(corpus / name))}
    assert kept == scanned
    assert {"node_modules/railway.txt", "__pycache__/notes.md", "sub/flycheck_draft.md"} <= kept
    assert not keep(Change.modified, str(data / "chroma" / "chroma.sqlite3"))  # the data dir inside the corpus
