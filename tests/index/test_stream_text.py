"""Big plain-text files are read window by window (index/stream_text.py): the same sentences, spans and
paragraph numbers as a whole-file load, in memory bounded by a window rather than by the file."""

from __future__ import annotations

import textwrap
import tracemalloc
from pathlib import Path

import pytest
from docmaker import EN_TEXT, ES_TEXT

import index.load as load
import index.stream_text as stream_text
from index.chunk import document_sentences, iter_chunks
from index.load import UnreadableFile, file_digest, load_document

LANGS = ("en", "es", "id", "pt")


def _text(paragraphs: int) -> str:
    """Varied prose: one-line paragraphs, hard-wrapped ones, CRLF blocks, escape sequences, furniture."""
    parts = []
    for i in range(paragraphs):
        body = f"Report {i} says the keeper counted {i * 7 % 97} ships near the harbour that week. " + (
            EN_TEXT.replace("\n\n", " ").strip() if i % 2 else ES_TEXT.replace("\n\n", " ").strip())
        if i % 5 == 1:
            body = textwrap.fill(body * 2, 70)  # hard-wrapped: joined back into one paragraph
        if i % 7 == 2:
            body = body.replace("\n", "\r\n") + "\r\n\r\nRelated posts\r\n"  # CRLF and a furniture line
        if i % 11 == 3:
            body = body.replace("keeper", "\x1b[31mkeeper\x1b[0m")  # terminal control inside a word
        parts.append(body)
    return "\n\n".join(parts) + "\n"


def _small_windows(monkeypatch: pytest.MonkeyPatch, window: int = 20_000) -> None:
    monkeypatch.setattr(load, "STREAM_BYTES", 1_000)
    monkeypatch.setattr(stream_text, "WINDOW_CHARS", window)
    monkeypatch.setattr(stream_text, "MAX_WINDOW_CHARS", 4 * window)
    monkeypatch.setattr(stream_text, "_READ_BYTES", 7_001)  # reads end mid-character and mid-CRLF too
    monkeypatch.setattr(stream_text, "_SAMPLE_BYTES", window // 2)


def _whole(path: Path, tmp_path: Path):
    return load_document(path, tmp_path, LANGS)


def test_a_streamed_file_has_the_sentences_spans_and_paragraphs_of_a_whole_load(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(_text(1_500).encode("utf-8"))
    whole = _whole(path, tmp_path)
    assert whole.stream is None
    _small_windows(monkeypatch)
    streamed = load_document(path, tmp_path, LANGS)
    assert streamed.stream is not None and streamed.text == "" and streamed.paragraphs == []  # nothing held
    windows = list(streamed.windows())
    assert len(windows) > 10 and max(len(w.source) for w in windows) < 2 * stream_text.WINDOW_CHARS
    assert "".join(w.source for w in windows) == whole.text  # cleaned window by window = cleaned whole
    assert [p.number for w in windows for p in w.paragraphs] == [p.number for p in whole.paragraphs]
    assert (streamed.language, streamed.encoding, streamed.sha256) == (whole.language, "utf-8", file_digest(path))
    assert document_sentences(streamed) == document_sentences(whole)
    chunks = list(iter_chunks(streamed, 192, 32, len))
    assert [c.position for c in chunks] == list(range(len(chunks)))
    # the chunks carry the same sentences, each paired with the one before it across window edges too
    assert {s.index: s for c in chunks for s in c.sentences} == {s.index: s for s in document_sentences(whole)}
    for chunk in chunks:  # spans point into the whole text, sentences are the ones the chunk covers
        assert all(chunk.start < s.end and s.start < chunk.end for s in chunk.sentences)
        assert whole.text[chunk.start:chunk.end].split()[:3] == chunk.text.split()[:3]


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16"])
def test_a_streamed_file_in_another_encoding_reads_as_its_whole_load(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encoding: str) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(_text(400).replace("\x1b", "").encode(encoding))
    whole = _whole(path, tmp_path)
    _small_windows(monkeypatch)
    streamed = load_document(path, tmp_path, LANGS)
    assert streamed.encoding == whole.encoding
    assert "".join(w.source for w in streamed.windows()) == whole.text
    assert "añadió" in whole.text


def test_a_big_file_with_a_nul_far_into_it_is_binary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(_text(400).encode("utf-8") + b"\x00\x01\x02" + b"tail " * 100)
    _small_windows(monkeypatch)
    with pytest.raises(UnreadableFile, match="binary file"):
        load_document(path, tmp_path, LANGS)


def test_a_file_with_no_blank_line_is_cut_into_bounded_windows_losing_no_word(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = textwrap.fill(" ".join(f"word{i}" for i in range(60_000)), 70)  # ~0.5 MB, never a blank line
    path = tmp_path / "wrapped.txt"
    path.write_text(text, encoding="utf-8")
    _small_windows(monkeypatch)
    windows = list(load_document(path, tmp_path, LANGS).windows())
    assert len(windows) > 1 and max(len(w.source) for w in windows) <= stream_text.MAX_WINDOW_CHARS
    assert " ".join(p.text for w in windows for p in w.paragraphs).split() == text.split()


def _peak_bytes(path: Path) -> int:
    tracemalloc.start()
    try:
        doc = load_document(path, path.parent, LANGS)
        assert sum(len(w.paragraphs) for w in doc.windows()) > 1_000
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_loading_and_reading_a_big_file_takes_memory_bounded_by_a_window(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Four times the file, the same peak of Python objects (the whole-file load held the file's bytes,
    text and paragraphs at once: its peak grew with the file)."""
    _small_windows(monkeypatch, window=100_000)
    small, big = tmp_path / "small" / "a.txt", tmp_path / "big" / "a.txt"
    for path, paragraphs in ((small, 2_000), (big, 8_000)):
        path.parent.mkdir()
        path.write_bytes(_text(paragraphs).encode("utf-8"))
    load_document(small, small.parent, LANGS)  # imports and the language model: not part of either peak
    peaks = _peak_bytes(small), _peak_bytes(big)
    assert big.stat().st_size > 3.5 * small.stat().st_size
    assert peaks[1] < 1.25 * peaks[0], f"peaks {peaks} bytes"
