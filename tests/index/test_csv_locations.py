"""CSV citations say "row N" (index/chunk.py: location_label, index/structured.py: csv_blocks): the row as a
spreadsheet numbers it, the header being row 1, which is also the file's line unless a quoted cell holds a line
break. Other formats still say "paragraph N"; the location stays a string in the JSON answer.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from docmaker import write
from index_helpers import LANGUAGES

from index.chunk import document_sentences, location_label
from index.load import load_document
from index.types import Sentence
from tests.isolation import settings_for

FEES = ("Service,Fee,Deadline\n"
        "Passport renewal,85 EUR,30 days before travel\n"
        "Birth certificate,12 EUR,none\n"
        "\n"
        '"Parking permit\n(residents)",40 EUR,31 January\n'
        "Marriage licence,120 EUR,six weeks before the ceremony\n")


def test_csv_paragraphs_are_numbered_by_their_row(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path / "fees.csv", FEES), tmp_path, LANGUAGES)
    # the blank row 4 is a row of the sheet, and the two-line cell is one row (5)
    assert [(p.number, p.text.split(";")[0]) for p in doc.paragraphs] == [
        (2, "Service: Passport renewal"), (3, "Service: Birth certificate"),
        (5, "Service: Parking permit (residents)"), (6, "Service: Marriage licence")]
    birth = next(s for s in document_sentences(doc) if "Birth" in s.text)
    assert location_label((birth.paragraph,), birth.page, birth.section, file=doc.file) == "row 3"


def test_only_csv_files_say_row() -> None:
    assert location_label((3,), None, file="fees.csv") == "row 3"
    assert location_label((2, 5), None, file="data/FEES.CSV") == "rows 2-5"
    assert location_label((3,), None, file="fees.txt") == "paragraph 3"
    assert location_label((2, 5), None, file="fees.md") == "paragraphs 2-5"
    assert location_label((3,), None) == "paragraph 3"
    assert location_label((3,), 2, file="fees.pdf") == "page 2"


def test_quotes_of_csv_rows_say_row() -> None:
    from bot.llm.quotes import citation_for
    from bot.sentence_lookup import quote_location
    from index.types import Passage

    def sentence(file: str, paragraph: int, position: int) -> Sentence:
        return Sentence(f"s{position}", "k", file, "en", "Service: Birth certificate; Fee: 12 EUR", paragraph, 0, 10,
                        position, embedding=np.ones(2, dtype=np.float32) / np.sqrt(2))

    rows = [sentence("fees.csv", 3, 1), sentence("fees.csv", 4, 2)]
    assert quote_location(rows[:1]) == "row 3" and quote_location(rows) == "rows 3-4"
    assert quote_location([sentence("fees.txt", 3, 1)]) == "paragraph 3"
    passage = Passage("p", "fees.csv", "en", rows[0].text, "row 3", 0.5, sentences=rows[:1])
    assert citation_for(1, passage, rows[0], rows[0].embedding, [passage]).location == "row 3"


@pytest.fixture(scope="module")
def fees_engine(tmp_path_factory: pytest.TempPathFactory):
    from bot.engine import Engine
    from index.ingest import build_index

    root = tmp_path_factory.mktemp("fees")
    write(root / "corpus" / "fees.csv", FEES)
    settings = settings_for(root / "data", root / "corpus")
    build_index(settings)
    return Engine(settings, build_if_missing=False)


def test_an_answer_from_a_csv_cites_the_row(fees_engine) -> None:
    answer = fees_engine.answer("How much does a birth certificate cost?")
    assert answer.answered
    cited = answer.citations[0]
    assert (cited.file, cited.location) == ("fees.csv", "row 3") and "12 EUR" in cited.quote
    data = json.loads(json.dumps(answer.to_json()))
    assert data["citations"][0]["location"] == "row 3"
    passages = fees_engine.retriever.retrieve("How much does a birth certificate cost?").passages
    assert all(p.location.startswith("row") for p in passages)
