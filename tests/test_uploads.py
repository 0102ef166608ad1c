"""bot/uploads.py: hostile names, atomic saves, added / updated / renamed, undo, provenance, removal."""

from __future__ import annotations

import os
import stat
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.uploads import (
    MAX_NAME_BYTES,
    Provenance,
    UploadRefused,
    document_path,
    remove_document,
    safe_name,
    save_document,
)
from index.load import SUFFIXES

LANGS = ("en",)
TEXT = b"The lighthouse keeper wrote down every storm of the winter in a small leather notebook.\n"
TEXT2 = b"In 1911 seventeen gales reached the northern coast, more than in any winter before.\n"


def listing(folder: Path) -> dict[str, bytes]:
    """Every entry below `folder`, hidden ones included, with its bytes (links: their target text)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        out[rel] = os.readlink(path).encode() if path.is_symlink() else path.read_bytes() if path.is_file() else b"/"
    return out


@pytest.mark.parametrize(("sent", "expected"), [
    ("report.pdf", "report.pdf"),
    ("Report Final.PDF", "Report Final.PDF"),
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\windows\\notes.md", "notes.md"),
    ("／etc／shadow.txt", "shadow.txt"),  # full-width solidus: NFKC makes it a slash, which is cut
    (".bashrc.md", "bashrc.md"),  # a hidden file would never be indexed
    ("..pdf", "document.pdf"),
    (".pdf", "document.pdf"),
    ("-rf.txt", "rf.txt"),
    ("CON.txt", "CON_.txt"),
    ("a:b*?.txt", "a_b__.txt"),
    ("evil\u202etxt.md", "eviltxt.md"),  # a bidi override could show "evildm.txt"
    ("bell\x07\x1b[31mred.txt", "bell[31mred.txt"),
    ("  spaced \t\n name .html", "spaced name.html"),
    ("ｆｕｌｌ.txt", "full.txt"),
])
def test_safe_name_of_hostile_names(sent: str, expected: str) -> None:
    assert safe_name(sent) == expected


@pytest.mark.parametrize("sent", ["x" * 300 + ".pdf", "ñ" * 200 + ".md", "日本語" * 80 + ".txt"])
def test_long_names_are_cut_at_a_character_keeping_the_suffix(sent: str) -> None:
    name = safe_name(sent)
    assert len(name.encode()) <= MAX_NAME_BYTES
    assert name.endswith(sent[sent.rfind("."):])
    assert name[:-4].strip(".") and unicodedata.is_normalized("NFC", name)


@pytest.mark.parametrize(("sent", "says"), [
    ("evil.exe", "not .exe"), ("archive.tar.gz", "not .gz"), ("README", "no file extension"),
    ("", "no file extension"), ("../", "no file extension"), ("notes.txt.exe", "not .exe"),
])
def test_names_without_a_supported_suffix_are_refused(sent: str, says: str) -> None:
    with pytest.raises(UploadRefused) as refused:
        safe_name(sent)
    message = str(refused.value)
    assert says in message and ".pdf" in message and ".md" in message
    assert message.count(".") >= len(SUFFIXES) and "\n" not in message


@settings(max_examples=300, deadline=None)
@given(stem=st.text(min_size=0, max_size=300), suffix=st.sampled_from(sorted(SUFFIXES) + [".PDF", ".Md"]))
def test_any_name_stays_a_visible_file_directly_in_the_corpus(stem: str, suffix: str) -> None:
    name = safe_name(stem + suffix)
    corpus = Path("/srv/corpus")
    assert (corpus / name).parent == corpus and os.path.basename(name) == name
    assert "/" not in name and "\\" not in name and "\0" not in name and not name.startswith((".", "-", " "))
    assert not any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"} for ch in name)
    assert Path(name).suffix.lower() in SUFFIXES and len(name.encode()) <= MAX_NAME_BYTES


def test_save_adds_then_updates_then_reports_unchanged(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    added = save_document(corpus, "notes.txt", TEXT, LANGS)
    assert (added.status, added.name, added.renamed) == ("added", "notes.txt", False)
    added.keep()
    again = save_document(corpus, "notes.txt", TEXT, LANGS)
    assert again.status == "unchanged"
    updated = save_document(corpus, "notes.txt", TEXT2, LANGS)
    assert updated.status == "updated"
    updated.keep()
    assert listing(corpus) == {"notes.txt": TEXT2}  # no temporary or backup file left behind


def test_saved_file_is_as_readable_as_its_folder_and_never_executable(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir(mode=0o750)
    corpus.chmod(0o750)
    change = save_document(corpus, "a.md", TEXT, LANGS)
    assert stat.S_IMODE(change.path.stat().st_mode) == 0o640


def test_undo_puts_back_the_previous_version_or_removes_the_new_file(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    save_document(corpus, "notes.txt", TEXT, LANGS).keep()
    before = listing(corpus)
    save_document(corpus, "notes.txt", TEXT2, LANGS).undo()
    assert listing(corpus) == before
    save_document(corpus, "other.txt", TEXT2, LANGS).undo()
    assert listing(corpus) == before


def test_unreadable_content_is_refused_in_one_sentence_and_changes_nothing(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    save_document(corpus, "notes.txt", TEXT, LANGS).keep()
    before = listing(corpus)
    for name, content in [("empty.txt", b"  \n"), ("fake.pdf", b"MZ\x90\x00 not a pdf"),
                          ("notes.txt", bytes(range(256)) * 8), ("broken.pdf", b"%PDF-1.4\n1 0 obj garbage")]:
        with pytest.raises(UploadRefused) as refused:
            save_document(corpus, name, content, LANGS)
        message = str(refused.value)
        assert message.startswith(f"I could not read {name} (") and message.endswith("nothing was added.")
        assert listing(corpus) == before, name


def test_a_different_file_of_the_sanitised_name_is_never_overwritten(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a_b.txt").write_bytes(TEXT)  # someone's file, put in the folder by hand
    provenance = Provenance(tmp_path / "data")
    first = save_document(corpus, "a:b.txt", TEXT2, LANGS, provenance)
    assert (first.name, first.status, first.renamed) == ("a_b (2).txt", "added", True)
    provenance.record(first, 7, "@alice")
    first.keep()
    second = save_document(corpus, "a:b.txt", TEXT2 + b"More.\n", LANGS, provenance)  # the same sent name again
    assert (second.name, second.status) == ("a_b (2).txt", "updated")
    assert (corpus / "a_b.txt").read_bytes() == TEXT


def test_the_same_name_replaces_a_file_put_there_by_hand(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "guide.md").write_bytes(TEXT)
    change = save_document(corpus, "guide.md", TEXT2, LANGS)
    assert (change.name, change.status) == ("guide.md", "updated")


def test_a_link_is_never_written_through(tmp_path: Path) -> None:
    corpus, outside = tmp_path / "corpus", tmp_path / "outside.txt"
    corpus.mkdir()
    outside.write_bytes(TEXT)
    (corpus / "notes.txt").symlink_to(outside)
    change = save_document(corpus, "notes.txt", TEXT2, LANGS)
    assert change.name == "notes (2).txt" and outside.read_bytes() == TEXT and (corpus / "notes.txt").is_symlink()


def test_provenance_is_private_and_survives_damage(tmp_path: Path) -> None:
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    provenance = Provenance(data)
    change = save_document(corpus, "notes.txt", TEXT, LANGS, provenance)
    provenance.record(change, 42, "@bob", at=1_700_000_000.0)
    assert stat.S_IMODE(provenance.path.stat().st_mode) == 0o600
    record = Provenance(data).get("notes.txt")
    assert record is not None and (record.by_id, record.by, record.at, record.sent_name) == (
        42, "@bob", 1_700_000_000.0, "notes.txt")
    provenance.forget("notes.txt")
    assert Provenance(data).all() == {}
    provenance.path.write_text("{not json")
    assert Provenance(data).all() == {}


@pytest.mark.parametrize("name", ["../outside.txt", "/etc/passwd", "sub/../../outside.txt", ".hidden.md",
                                  "sub/.hidden.md", "", "missing.txt", "link/outside.txt", "sub", "notes",
                                  "loop/a.txt"])
def test_removal_refuses_names_outside_the_corpus_or_not_documents(tmp_path: Path, name: str) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    for rel in ("a.txt", "b.txt", ".hidden.md", "sub/.hidden.md", "notes"):
        (corpus / rel).write_bytes(TEXT)
    (tmp_path / "outside.txt").write_bytes(TEXT)
    (corpus / "link").symlink_to(tmp_path)
    (corpus / "loop").symlink_to("loop")  # resolving it raises RuntimeError ("Symlink loop")
    before = listing(tmp_path)
    with pytest.raises(UploadRefused):
        remove_document(corpus, name)
    assert listing(tmp_path) == before


def test_removal_can_be_undone_and_the_last_document_stays(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "a.txt").write_bytes(TEXT)
    (corpus / "sub" / "b.md").write_bytes(TEXT2)
    assert document_path(corpus, "sub\\b.md")[0] == "sub/b.md"
    before = listing(corpus)
    removed = remove_document(corpus, "sub/b.md")
    assert removed.name == "sub/b.md" and not (corpus / "sub" / "b.md").exists()
    removed.undo()
    assert listing(corpus) == before
    remove_document(corpus, "sub/b.md").keep()
    assert listing(corpus) == {"a.txt": TEXT, "sub": b"/"}
    with pytest.raises(UploadRefused, match="only document"):
        remove_document(corpus, "a.txt")
