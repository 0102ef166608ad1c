"""Line breaks inside a block of lines (index/paragraphs.py, index/load_pdf.py): pypdf gives a page as one
block with no blank line between paragraphs, so each line break is decided on its own: a wrapped line runs
on into the next, a sentence end ends the paragraph, a short open-ended line before a capital is a heading.
"""

from __future__ import annotations

import time
from pathlib import Path

from docmaker import make_pdf, write
from index_helpers import LANGUAGES

from index.chunk import document_sentences, location_label
from index.load import load_document
from index.load_pdf import pdf_paragraphs
from index.paragraphs import MAX_PARAGRAPH_CHARS, split_paragraphs

KIT = ("Children under twelve must be accompanied by an adult at all times, and the first aid kit is kept in the "
       "blue cabinet beside the tool shed door.")

# handbook.pdf page 4 of the user sweep: short paragraphs, two of them wrapped
SAFETY = [
    "Pesticides and safety.",
    "Synthetic pesticides and herbicides are forbidden anywhere in the garden, including on",
    "paths and fences.",
    "Members may use neem oil, insecticidal soap and diatomaceous earth to control pests.",
    "Children under twelve must be accompanied by an adult at all times, and the first aid kit",
    "is kept in the blue cabinet beside the tool shed door.",
]
SAFETY_PARAGRAPHS = [
    "Pesticides and safety.",
    "Synthetic pesticides and herbicides are forbidden anywhere in the garden, including on paths and fences.",
    "Members may use neem oil, insecticidal soap and diatomaceous earth to control pests.",
    KIT,
]

# library.pdf page 2 of the user sweep: headings above wrapped paragraphs
BORROWING = [
    "Borrowing rules",
    "Adult members may borrow up to twelve books at a time for a loan",
    "period of three weeks, and each loan can be renewed twice online",
    "unless another reader has reserved the book.",
    "Contact",
    "Questions about borrowing rules can be sent to the front desk by",
    "email, and replies usually arrive within two working days.",
]
BORROWING_PARAGRAPHS = [
    "Borrowing rules",
    "Adult members may borrow up to twelve books at a time for a loan period of three weeks, and each loan can "
    "be renewed twice online unless another reader has reserved the book.",
    "Contact",
    "Questions about borrowing rules can be sent to the front desk by email, and replies usually arrive within "
    "two working days.",
]


def _texts(text: str) -> list[str]:
    return [p.text for p in split_paragraphs(text)]


def _spans_hold(text: str, paragraphs) -> None:
    for p in paragraphs:  # a paragraph's span covers exactly its lines
        assert " ".join(text[p.start:p.end].split()) == p.text
        assert text[p.start:p.end] == text[p.start:p.end].strip()


# the two bugs, as plain text


def test_wrapped_lines_of_short_paragraphs_join_into_whole_sentences() -> None:
    text = "\n".join(SAFETY)
    assert _texts(text) == SAFETY_PARAGRAPHS
    _spans_hold(text, split_paragraphs(text))


def test_a_heading_line_is_a_paragraph_of_its_own() -> None:
    text = "\n".join(BORROWING)
    assert _texts(text) == BORROWING_PARAGRAPHS
    _spans_hold(text, split_paragraphs(text))


def test_the_briefs_garden_block_keeps_every_sentence_whole() -> None:
    text = ("Gardeners must water their plots in the evening.\n"
            "Children under twelve must be accompanied by an adult at all times, and the first aid kit\n"
            "is kept in the blue cabinet beside the tool shed door.\n"
            "Plots are assigned by lottery every March on\n"
            "the first Saturday of the month.")
    texts = _texts(text)
    assert any(KIT in t for t in texts)
    assert any("Plots are assigned by lottery every March on the first Saturday of the month." in t for t in texts)


# the same through pdf_paragraphs, with page strings as pypdf gives them


def test_pdf_pages_give_whole_sentences_headings_apart_and_headings_as_sections() -> None:
    pages = [
        "Harbour Library Guide\n1\nOpening hours\nThe reading room opens at nine in the morning on weekdays\n"
        "and closes at eight in the evening.\nContact\nQuestions can be sent to the front desk by email.",
        "Harbour Library Guide\n2\n" + "\n".join(BORROWING),
        "Harbour Library Guide\n3\n" + "\n".join(SAFETY),
    ]
    text, paragraphs = pdf_paragraphs(pages)
    got = [(p.page, p.text, p.section) for p in paragraphs]
    assert got == [
        (1, "Opening hours", ""),
        (1, "The reading room opens at nine in the morning on weekdays and closes at eight in the evening.",
         "Opening hours"),
        (1, "Contact", "Opening hours"),
        (1, "Questions can be sent to the front desk by email.", "Contact"),
        (2, BORROWING_PARAGRAPHS[0], "Contact"),
        (2, BORROWING_PARAGRAPHS[1], "Borrowing rules"),
        (2, BORROWING_PARAGRAPHS[2], "Borrowing rules"),
        (2, BORROWING_PARAGRAPHS[3], "Contact"),
    ] + [(3, t, "Contact") for t in SAFETY_PARAGRAPHS]
    assert [p.number for p in paragraphs] == list(range(1, len(paragraphs) + 1))
    _spans_hold(text, paragraphs)


def test_a_heading_at_the_foot_of_a_page_heads_the_next_page() -> None:
    pages = ["The first page ends with a sentence.\nFees and deposits", "Fees are paid in January."]
    _, paragraphs = pdf_paragraphs(pages)
    assert [(p.page, p.text, p.section) for p in paragraphs] == [
        (1, "The first page ends with a sentence.", ""),
        (1, "Fees and deposits", ""),
        (2, "Fees are paid in January.", "Fees and deposits"),
    ]


def test_a_real_pdf_quotes_the_first_aid_kit_sentence_whole_with_its_page(tmp_path: Path) -> None:
    pages = [["Riverside Handbook", "Borrowing rules"] + BORROWING[1:], ["Riverside Handbook"] + SAFETY]
    doc = load_document(write(tmp_path / "handbook.pdf", make_pdf(pages)), tmp_path, LANGUAGES)
    assert [p.text for p in doc.paragraphs][:2] == ["Borrowing rules", BORROWING_PARAGRAPHS[1]]
    sentences = document_sentences(doc)
    kit = next(s for s in sentences if "first aid kit" in s.text)
    assert kit.text == KIT
    assert " ".join(doc.text[kit.start:kit.end].split()) == KIT  # the quote maps back to the file's text
    assert location_label((kit.paragraph,), kit.page, kit.section) == "page 2"
    assert not any(s.text.startswith("Borrowing rules ") for s in sentences)


# what must not change


def test_news_export_with_one_paragraph_per_line_stays_one_paragraph_per_line() -> None:
    lines = [
        "Huawei unveiled its new Ascend chip on Tuesday, the company said in a statement.",
        "Analysts expect the chip to compete with Nvidia's H20 in China.",
        "\u201cWe are confident in our roadmap,\u201d a spokesperson said.",
        "Shares of suppliers rose 4% in Shenzhen.",
    ]
    assert _texts("\n".join(lines)) == lines


def test_hard_wrapped_prose_is_joined_across_sentence_ends() -> None:
    lines = [
        "The lighthouse keeper recorded the storm in a leather notebook every",
        "evening. Her notes show that the winter of 1911 brought seventeen gales",
        "to the northern coast, more than any winter before it. The keeper said.",
        "Ships stayed in the harbour for weeks, and the village ran short of flour",
        "and lamp oil before the spring thaw.",
    ]
    text = "\n".join(lines)
    assert _texts(text) == [" ".join(lines)]
    _spans_hold(text, split_paragraphs(text))


def test_a_short_title_line_then_prose() -> None:
    text = ("Annual report 2024\n"
            "The company grew strongly this year and hired forty people in its two\n"
            "new offices, one in Lisbon and one in Jakarta.")
    assert _texts(text) == ["Annual report 2024", "The company grew strongly this year and hired forty people in "
                            "its two new offices, one in Lisbon and one in Jakarta."]
    assert _texts("Annual report 2024\n\nThe company grew.") == ["Annual report 2024", "The company grew."]


def test_list_like_lines_are_kept_apart() -> None:
    items = ["Bring to every work day:", "- gloves and a trowel", "- a bottle of water", "- sturdy shoes",
             "1. Sign in at the shed", "2. Collect your tools"]
    assert _texts("\n".join(items)) == items


def test_lower_case_and_digits_continue_a_sentence() -> None:
    text = "Membership costs\n35 dollars per year, and members who volunteer\neight hours get a refund."
    assert _texts(text) == ["Membership costs 35 dollars per year, and members who volunteer eight hours get a "
                            "refund."]


# hostile input stays bounded


def test_long_lines_are_never_joined_past_the_paragraph_cap() -> None:
    huge = "word " * 6_000  # 30,000 characters, open-ended
    text = huge + "\ncontinues in lower case\n" + huge.strip() + "\nand again"
    paragraphs = split_paragraphs(text)
    assert all(len(p.text) <= MAX_PARAGRAPH_CHARS for p in paragraphs)
    assert " ".join(p.text for p in paragraphs).split() == text.split()


def test_many_short_lines_take_linear_time() -> None:
    block = "Heading line\nshort open line\nA sentence that ends here.\n- item\n"

    def seconds(n: int) -> float:
        text = block * n
        began = time.process_time()
        paragraphs = split_paragraphs(text)
        assert paragraphs
        return time.process_time() - began

    seconds(2_000)  # warm up
    small, big = seconds(10_000), seconds(40_000)
    assert big < 4 * small * 2.5  # 4x the lines, allowing noise on a shared machine


def test_rule_lines_under_or_between_text_are_not_text() -> None:
    """Plain-text release notes underline their headings ("Version 2.3.0 (2024-11-05)" over a line of dashes)
    and separate sections with rules: the rules were indexed as text, glued to the heading ("Version 2.3.0
    (2024-11-05) ------") or quoted alone ("FERRULE RELEASE NOTES =====", sweep of 2026-12-03). A line of one
    repeated mark is a separator, like a blank line; the heading above it is a paragraph of its own."""
    text = ("FERRULE RELEASE NOTES\n=====================\n\nVersion 2.3.0 (2024-11-05)\n"
            "--------------------------\n- New: periodic jobs run on a cron schedule.\n"
            "- Fixed: retries no longer double the delay.\n* * *\nVersion 2.2.0 (2024-08-01)\n~~~~~~~~~~~~~~~~\n"
            "Workers shut down gracefully on SIGTERM.\n")
    assert _texts(text) == ["FERRULE RELEASE NOTES", "Version 2.3.0 (2024-11-05)",
                            "- New: periodic jobs run on a cron schedule.",
                            "- Fixed: retries no longer double the delay.",
                            "Version 2.2.0 (2024-08-01)", "Workers shut down gracefully on SIGTERM."]
    _spans_hold(text, split_paragraphs(text))
    assert _texts("The fee is 40 euros --- payable in March.\n") == ["The fee is 40 euros --- payable in March."]
