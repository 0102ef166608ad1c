"""Loading stays linear on big and hostile files: paragraph splitting, furniture rules, language detection."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

from docmaker import EN_TEXT, write

from index.boilerplate import strip_furniture
from index.load import load_document
from index.paragraphs import MAX_PARAGRAPH_CHARS, split_paragraphs
from index.types import Paragraph


def test_a_long_blank_line_of_spaces_is_not_quadratic() -> None:
    text = " " * 20_000 + "\n" + EN_TEXT
    started = time.process_time()
    paragraphs = split_paragraphs(text)
    assert time.process_time() - started < 1.0  # was ~17 s: the line pattern backtracked over the spaces
    assert [p.text for p in paragraphs] == [t.strip() for t in EN_TEXT.split("\n\n") if t.strip()]


def test_a_huge_paragraph_is_cut_into_bounded_paragraphs_at_sentence_ends(tmp_path: Path) -> None:
    sentence = "The keeper wrote down the wind and the height of every wave that night. "
    one_line = sentence * 3000  # ~216 KB without a single newline
    wrapped = textwrap.fill(one_line, 70)  # hard-wrapped, no blank line: joined back into one paragraph
    for text in (one_line, wrapped):
        paragraphs = split_paragraphs(text)
        assert len(paragraphs) > 1
        assert all(len(p.text) <= MAX_PARAGRAPH_CHARS for p in paragraphs)
        assert all(p.text.endswith("night.") for p in paragraphs[:-1] if text is one_line)  # after a sentence
        assert [p.number for p in paragraphs] == list(range(1, len(paragraphs) + 1))
        assert all(text[p.start:p.end].split() == p.text.split() for p in paragraphs)  # spans still exact


def test_furniture_rules_look_a_bounded_distance_ahead() -> None:
    """Each paragraph used to get a copy of every later paragraph (quadratic in paragraphs)."""
    source = ""
    paragraphs = []
    for number in range(1, 40_001):
        text = f"Paragraph {number} tells what happened on day {number} of the voyage..."
        paragraphs.append(Paragraph(number, len(source), len(source) + len(text), text))
        source += text + "\n\n"
    started = time.process_time()
    kept = strip_furniture(paragraphs, source)
    assert time.process_time() - started < 5.0
    assert len(kept) == len(paragraphs)


def test_language_of_a_big_file_is_found_without_joining_all_its_text(tmp_path: Path) -> None:
    path = write(tmp_path / "big.txt", (EN_TEXT + "\n") * 20_000)  # ~3.7 MB
    started = time.process_time()
    doc = load_document(path, tmp_path, ("en", "es", "id"))
    assert doc.language == "en"
    assert sum(len(window.paragraphs) for window in doc.windows()) == 40_000
    assert time.process_time() - started < 30
