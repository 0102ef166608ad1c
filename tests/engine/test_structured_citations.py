"""Issue 13: citations name where a reader finds the quote in a structured document: the Markdown heading
it sits under (never the heading itself as a quote), a table row with its header names."""

from __future__ import annotations

import pytest

from tests.isolation import settings_for

GUIDE = """# Allotment guide

## Plot fees

Each allotment plot costs forty-two euros a year, payable to the garden committee before the first of March.

Members over seventy pay half of the yearly fee.

## Water

The water taps are opened in April and closed again after the last harvest in October.

| Tool | Shed | Deposit |
| --- | --- | --- |
| Wheelbarrow | North shed | 20 euros |
| Hedge trimmer | South shed | 35 euros |
"""


@pytest.fixture(scope="module")
def guide_engine(tmp_path_factory: pytest.TempPathFactory):
    from bot.engine import Engine
    from index.ingest import build_index

    root = tmp_path_factory.mktemp("guide")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "guide.md").write_text(GUIDE, encoding="utf-8")
    settings = settings_for(root / "data", corpus)
    build_index(settings)
    return Engine(settings, build_if_missing=False)


def test_a_markdown_quote_is_located_by_its_heading(guide_engine) -> None:
    answer = guide_engine.answer("How much does an allotment plot cost per year?")
    assert answer.answered
    first = answer.citations[0]
    assert "forty-two euros" in first.quote
    assert first.location == '"Plot fees"'
    assert "##" not in answer.text and "Plot fees" not in first.quote


def test_a_table_row_is_quoted_with_its_header_names(guide_engine) -> None:
    answer = guide_engine.answer("What deposit is asked for the hedge trimmer?")
    assert answer.answered
    quote = answer.citations[0].quote
    assert "35 euros" in quote and "Deposit" in quote and "|" not in quote
    assert answer.citations[0].location == '"Water"'


def test_passages_carry_the_section_too(guide_engine) -> None:
    # this small file is one chunk, which starts under "Plot fees": the passage is labelled by its first heading
    retrieval = guide_engine.retriever.retrieve("When are the water taps opened?")
    assert [p.location for p in retrieval.passages] == ['"Plot fees"']
