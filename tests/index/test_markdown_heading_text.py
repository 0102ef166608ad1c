"""Markdown heading text is found and quoted where nothing else holds it, and sections say which "Fixed" they
are (index/structured.py `_Outline`, `section_path`, `holds_fact`).

User sweep 3: in a changelog ("## [1.4.0] - 2025-09-01" / "### Added" / "- Support for Python 3.13.") every
heading replaced the one above it, so the items' section was "Added" and the version and its date were in no
text: "When was version 1.4.0 released?" could not be answered.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from docmaker import write
from index_helpers import LANGUAGES

from index.chunk import SentenceRecord, chunk_document, document_sentences, location_label, tiktoken_counter
from index.load import load_document
from index.structured import MAX_SECTION_CHARS, section_path
from tests.isolation import settings_for

CHANGELOG = """# Changelog

All notable changes are documented in this file.

## 1.4.0 — 2026-03-02

### Fixed

- Retry storms no longer overload the database after an outage.

### Removed

- Support for Python 3.8.

## 1.3.2 — 2025-11-20

### Fixed

- The dashboard shows *failed* jobs again.
"""


def _load(tmp_path: Path, name: str, text: str):
    return load_document(write(tmp_path / name, text), tmp_path, LANGUAGES)


def _sentences(tmp_path: Path, name: str, text: str) -> list[SentenceRecord]:
    return document_sentences(_load(tmp_path, name, text))


def _flat(text: str) -> str:
    return " ".join(text.split()).lower()


def test_a_version_heading_is_text_located_under_its_parent(tmp_path: Path) -> None:
    records = _sentences(tmp_path, "CHANGELOG.md", CHANGELOG)
    assert [(r.text, r.section) for r in records] == [
        ("All notable changes are documented in this file.", "Changelog"),
        ("1.4.0 — 2026-03-02", "Changelog"),
        ("Retry storms no longer overload the database after an outage.", "1.4.0 — 2026-03-02 › Fixed"),
        ("Support for Python 3.8.", "1.4.0 — 2026-03-02 › Removed"),
        ("1.3.2 — 2025-11-20", "Changelog"),
        ("The dashboard shows failed jobs again.", "1.3.2 — 2025-11-20 › Fixed"),
    ]
    for r in records:  # every quote is the file's text
        assert _flat(r.quote or r.text) in _flat(CHANGELOG), r
    version = next(r for r in records if r.text.startswith("1.4.0"))
    assert location_label((version.paragraph,), version.page, version.section) == '"Changelog"'


def test_the_version_is_in_the_chunk_text_searched_and_embedded(tmp_path: Path) -> None:
    doc = _load(tmp_path, "CHANGELOG.md", CHANGELOG)
    chunks = chunk_document(doc, 64, 0, lambda text: len(tiktoken_counter()(text)) + 2)
    assert any("1.4.0 — 2026-03-02" in c.text and "Retry storms" in c.text for c in chunks)


def test_a_heading_with_no_text_of_its_own_is_indexed_and_the_title_is_not(tmp_path: Path) -> None:
    readme = ("# Larkspur\n\n## Extras\n\n### Dashboard\n\nThe dashboard listens on port 8765.\n\n"
              "## Licence\n\nLarkspur is released under the MIT License.\n\n## Empty section\n")
    records = _sentences(tmp_path, "README.md", readme)
    assert [(r.text, r.section) for r in records] == [
        ("Extras", "Larkspur"),  # only a subheading under it: its words were in no text
        ("The dashboard listens on port 8765.", "Dashboard"),
        ("Larkspur is released under the MIT License.", "Licence"),
        ("Empty section", "Larkspur"),
    ]


def test_a_path_only_where_the_heading_alone_is_not_enough(tmp_path: Path) -> None:
    guide = ("# Guide\n\n## Install\n\n### Options\n\nUse --user to install for yourself.\n\n"
             "## Run\n\n### Options\n\nUse --quiet to print less.\n\n### Logging\n\nLogs go to stderr.\n\n"
             "## 4. Sickness absence\n\n### 4.2 Carry-over\n\nFive days may be carried over.\n")
    sections = {r.text: r.section for r in _sentences(tmp_path, "guide.md", guide)}
    assert sections["Use --user to install for yourself."] == "Install › Options"  # "Options" heads two sections
    assert sections["Use --quiet to print less."] == "Run › Options"
    assert sections["Logs go to stderr."] == "Logging"
    assert sections["Five days may be carried over."] == "4.2 Carry-over"  # a section number is not a fact
    assert "4. Sickness absence" not in sections and "Guide" not in sections


def test_a_path_is_bounded() -> None:
    long = "Release " + "very " * 30 + "2.0"
    assert len(long) > MAX_SECTION_CHARS
    assert section_path([long, "Fixed"]) == "Fixed"  # too long to lead it: the heading alone
    assert section_path(["2.0", "Fixed"]) == "2.0 › Fixed"
    assert section_path(["Install", "Options", "Linux"]) == "Linux"
    assert section_path(["Install", "Options", "Linux"], frozenset({"Linux"})) == "Options › Linux"  # two at most


@pytest.fixture(scope="module")
def changelog_engine(tmp_path_factory: pytest.TempPathFactory):
    from bot.engine import Engine
    from index.ingest import build_index

    root = tmp_path_factory.mktemp("changelog")
    corpus = root / "corpus"
    write(corpus / "CHANGELOG.md", CHANGELOG)
    settings = settings_for(root / "data", corpus)
    build_index(settings)
    return Engine(settings, build_if_missing=False)


def test_when_a_version_was_released_is_answered_with_the_date(changelog_engine, monkeypatch) -> None:
    synth = changelog_engine.synthesizer
    monkeypatch.setattr(synth, "relevant", lambda *a: True)  # a one-file corpus: abstention is not under test
    question = "When was 1.4.0 released?"
    answer = synth.synthesize(question, "en", changelog_engine.retriever.retrieve(question))
    assert answer.answered and "2026-03-02" in answer.citations[0].quote
    assert all(_flat(c.quote) in _flat(CHANGELOG) for c in answer.citations)
