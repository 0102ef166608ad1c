"""Which files of the corpus folder are indexed, and the one line each skipped file gets (index/load.py).

Real files and real symbolic links in tmp_path: a link whose target lies outside the corpus folder must
not pull that file (say /etc/passwd) into an index anyone allowed to ask can quote.
"""

from __future__ import annotations

import os
from pathlib import Path

from docmaker import EN_TEXT, write
from index_helpers import Lines

from index.load import SUFFIXES, iter_corpus, scan_corpus


def _tree(tmp_path: Path) -> tuple[Path, Path]:
    """(corpus, outside): a corpus with one real document, and a folder next to it with a secret."""
    corpus = tmp_path / "corpus"
    write(corpus / "real" / "a.txt", EN_TEXT)
    outside = tmp_path / "outside"
    write(outside / "passwd", "root:x:0:0:root:/root:/bin/bash\n")
    write(outside / "docs" / "b.txt", EN_TEXT)
    return corpus, outside


def test_links_out_of_the_corpus_are_skipped_with_one_reason_each(tmp_path: Path) -> None:
    corpus, outside = _tree(tmp_path)
    (corpus / "passwd.txt").symlink_to(outside / "passwd")
    (corpus / "external").symlink_to(outside / "docs", target_is_directory=True)
    (corpus / "real" / "up.txt").symlink_to(Path("..") / ".." / "outside" / "passwd")  # relative link
    scan = scan_corpus(corpus)
    assert [p.relative_to(corpus).as_posix() for p in scan.files] == ["real/a.txt"]
    reasons = dict(scan.skipped)
    assert set(reasons) == {"external", "passwd.txt", "real/up.txt"}
    assert all(reason.startswith("outside the corpus") for reason in reasons.values())
    assert list(iter_corpus(corpus)) == scan.files


def test_links_inside_the_corpus_still_work_and_folder_loops_end(tmp_path: Path) -> None:
    corpus, _ = _tree(tmp_path)
    (corpus / "alias.txt").symlink_to(corpus / "real" / "a.txt")
    (corpus / "real" / "loop").symlink_to(corpus, target_is_directory=True)
    scan = scan_corpus(corpus)
    assert [p.relative_to(corpus).as_posix() for p in scan.files] == ["alias.txt", "real/a.txt"]
    assert [name for name, _ in scan.skipped] == ["real/loop"]  # a folder indexed under its own name


def test_follow_links_setting_indexes_outside_targets(tmp_path: Path) -> None:
    corpus, outside = _tree(tmp_path)
    (corpus / "passwd.txt").symlink_to(outside / "passwd")
    (corpus / "external").symlink_to(outside / "docs", target_is_directory=True)
    (outside / "docs" / "back").symlink_to(outside / "docs", target_is_directory=True)  # a loop out there
    scan = scan_corpus(corpus, follow_links=True)
    assert [p.relative_to(corpus).as_posix() for p in scan.files] == ["external/b.txt", "passwd.txt", "real/a.txt"]


def test_corpus_given_through_a_link_is_not_outside_itself(tmp_path: Path) -> None:
    corpus, _ = _tree(tmp_path)
    via = tmp_path / "via"
    via.symlink_to(corpus, target_is_directory=True)
    (corpus / "alias.txt").symlink_to(corpus / "real" / "a.txt")
    scan = scan_corpus(via)
    assert [p.relative_to(via).as_posix() for p in scan.files] == ["alias.txt", "real/a.txt"]
    assert scan.skipped == []


def test_unsupported_types_and_special_files_get_a_reason_hidden_ones_do_not(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    for rel in ("a.txt", "guide.rst", "table.XLSX", "README", ".hidden.rst", ".git/config"):
        write(corpus / rel, "x")
    os.mkfifo(corpus / "pipe.txt")  # reading a FIFO would block the index run forever
    (corpus / "gone.txt").symlink_to(tmp_path / "missing.txt")
    scan = scan_corpus(corpus)
    assert [p.name for p in scan.files] == ["a.txt"]
    assert dict(scan.skipped) == {
        "README": "unsupported type (no file extension)",
        "gone.txt": "broken link",
        "guide.rst": "unsupported type .rst",
        "pipe.txt": "not a regular file",
        "table.XLSX": "unsupported type .xlsx",
    }
    assert ".txt" in SUFFIXES and ".rst" not in SUFFIXES


def test_index_skips_a_link_out_with_one_line_and_drops_one_indexed_before(tmp_path: Path) -> None:
    """An index built while links were followed loses the linked file on the next default run."""
    from index_helpers import settings_for

    from index.ingest import build_index

    corpus, outside = _tree(tmp_path)
    write(outside / "shell.txt", "The root account of this server logs in with the shell /bin/bash.\n")
    (corpus / "shell.txt").symlink_to(outside / "shell.txt")
    followed = build_index(settings_for(tmp_path / "data", corpus, follow_links=True))
    assert followed.added == ["real/a.txt", "shell.txt"]

    progress = Lines()
    report = build_index(settings_for(tmp_path / "data", corpus), progress=progress)
    assert report.removed == ["shell.txt"] and report.unchanged == ["real/a.txt"]
    lines = [line for line in progress.lines if line.startswith("skipped ")]
    assert lines == [f"skipped shell.txt: outside the corpus (a link to {outside / 'shell.txt'})"]


def test_a_link_loop_is_skipped_not_fatal(tmp_path: Path) -> None:
    """A link to itself, or two links to each other: Path.resolve raises RuntimeError on a loop, which ended
    the whole index run (the sweep of 2026-12-03); each is one skipped line and the rest is indexed."""
    corpus, _ = _tree(tmp_path)
    (corpus / "self.txt").symlink_to("self.txt")
    (corpus / "ping.txt").symlink_to("pong.txt")
    (corpus / "pong.txt").symlink_to("ping.txt")
    for follow in (False, True):
        scan = scan_corpus(corpus, follow_links=follow)
        assert [p.relative_to(corpus).as_posix() for p in scan.files] == ["real/a.txt"]
        assert dict(scan.skipped) == {name: "a link loop" for name in ("ping.txt", "pong.txt", "self.txt")}
