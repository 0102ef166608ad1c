"""Numbered headings (index/paragraphs.py: `_numbered_heading`): "4. Sickness absence" above "Staff who are ill
must call ..." is a heading, a paragraph of its own (and in a PDF the section of the text under it), not a list
item glued into the sentence below it. Numbered list items stay as they were.
"""

from __future__ import annotations

from pathlib import Path

from docmaker import make_pdf, write
from index_helpers import LANGUAGES

from index.chunk import document_sentences
from index.load import load_document
from index.load_pdf import pdf_paragraphs
from index.paragraphs import paragraphs_with_headings, split_paragraphs

SICK = "Staff who are ill must call their manager before 9:00."
# a handbook page as pypdf gives it (no blank lines), or a .txt file without blank lines between sections
HANDBOOK = [
    "Staff handbook",
    "4. Sickness absence",
    "Staff who are ill must call their manager before 9:00 on the first day of absence, and",
    "again on the third day if they are still unwell.",
    "A doctor's note is needed after seven days.",
    "4.1 Return to work",
    "After an absence of more than a week, a short meeting with the manager is held.",
    "4.2 Carry-over",
    "Up to five days of leave may be carried over to the next year.",
    "5. Annual leave",
    "Each member of staff has 25 days of leave a year.",
]
HANDBOOK_PARAGRAPHS = [
    ("Staff handbook", False),
    ("4. Sickness absence", True),
    ("Staff who are ill must call their manager before 9:00 on the first day of absence, and again on the third "
     "day if they are still unwell. A doctor's note is needed after seven days.", False),
    ("4.1 Return to work", True),
    ("After an absence of more than a week, a short meeting with the manager is held.", False),
    ("4.2 Carry-over", True),
    ("Up to five days of leave may be carried over to the next year.", False),
    ("5. Annual leave", True),
    ("Each member of staff has 25 days of leave a year.", False),
]


def _texts(text: str) -> list[str]:
    return [p.text for p in split_paragraphs(text)]


def _heads(text: str) -> list[tuple[str, bool]]:
    return [(p.text, heading) for p, heading in paragraphs_with_headings(text)]


def test_a_numbered_heading_is_not_glued_to_the_sentence_below() -> None:
    assert _heads(f"4. Sickness absence\n{SICK}") == [("4. Sickness absence", True), (SICK, False)]
    leave = "Leave is booked with the manager at least two weeks ahead."
    assert _texts(f"Staff handbook\n\n4. Sickness absence\n{SICK}\n\n5. Annual leave\n{leave}") == [
        "Staff handbook", "4. Sickness absence", SICK, "5. Annual leave", leave]


def test_numbered_and_decimal_headings_in_a_block_of_hard_wrapped_lines() -> None:
    text = "\n".join(HANDBOOK)
    assert _heads(text)[1:] == HANDBOOK_PARAGRAPHS[1:]
    for p in split_paragraphs(text):  # spans still cover exactly their lines
        assert " ".join(text[p.start:p.end].split()) == p.text


def test_a_section_above_its_first_subsection_is_a_heading() -> None:
    assert _heads("4. Leave\n4.1 Carry-over\nUp to five days may be carried over.") == [
        ("4. Leave", True), ("4.1 Carry-over", True), ("Up to five days may be carried over.", False)]
    # a number that only looks like a subsection is not one: the line still runs on (as before)
    assert _texts("1. Water\n1.5 litres a day is enough.") == ["1. Water 1.5 litres a day is enough."]


def test_numbered_list_items_stay_list_items() -> None:
    steps = "Cleaning\n1. Sweep the floor.\n2. Wash your hands before you start.\n3. Dry the bowls."
    assert _texts(steps) == ["Cleaning", "1. Sweep the floor.", "2. Wash your hands before you start.",
                             "3. Dry the bowls."]
    # short items, the last one before a capital too: the item numbered one more than the line above is a list's
    for text in ("Please bring:\n1. Gloves\n2. Apron\n3. Mask", "Bring\n1. Gloves\n2. Apron\nThe shop opens at nine."):
        assert not any(heading for line, heading in _heads(text) if line[0].isdigit())
    assert _texts("1. Sweep the floor\n2. Wash your hands before you start.") == [
        "1. Sweep the floor", "2. Wash your hands before you start."]
    assert _texts("2. Wash your hands before you start.") == ["2. Wash your hands before you start."]


def test_pdf_numbered_headings_are_sections(tmp_path: Path) -> None:
    text, paragraphs = pdf_paragraphs(["\n".join(HANDBOOK)])
    got = [(p.text, p.section) for p in paragraphs]
    assert got[1:] == [
        ("4. Sickness absence", "Staff handbook"),
        (HANDBOOK_PARAGRAPHS[2][0], "4. Sickness absence"),
        ("4.1 Return to work", "4. Sickness absence"),
        (HANDBOOK_PARAGRAPHS[4][0], "4.1 Return to work"),
        ("4.2 Carry-over", "4.1 Return to work"),
        (HANDBOOK_PARAGRAPHS[6][0], "4.2 Carry-over"),
        ("5. Annual leave", "4.2 Carry-over"),
        (HANDBOOK_PARAGRAPHS[8][0], "5. Annual leave"),
    ]

    doc = load_document(write(tmp_path / "handbook.pdf", make_pdf([["Staff handbook", "4. Sickness absence", SICK]])),
                        tmp_path, LANGUAGES)
    sentences = document_sentences(doc)
    sick = next(s for s in sentences if "must call" in s.text)
    assert (sick.text, sick.section, sick.page) == (SICK, "4. Sickness absence", 1)


def test_a_txt_handbook_quotes_the_rule_without_its_heading(tmp_path: Path) -> None:
    path = write(tmp_path / "handbook.txt", f"Staff handbook\n\n4. Sickness absence\n{SICK}\n")
    sentences = [s.text for s in document_sentences(load_document(path, tmp_path, LANGUAGES))]
    assert SICK in sentences
    assert not any("Sickness absence Staff" in s for s in sentences)


def test_markdown_numbered_headings_are_unchanged(tmp_path: Path) -> None:
    path = write(tmp_path / "handbook.md", f"# Staff handbook\n\n## 4. Sickness absence\n\n{SICK}\n\n"
                                           "### 4.2 Carry-over\n\nUp to five days may be carried over.\n")
    doc = load_document(path, tmp_path, LANGUAGES)
    assert [(p.text, p.section) for p in doc.paragraphs] == [
        (SICK, "4. Sickness absence"), ("Up to five days may be carried over.", "4.2 Carry-over")]
