"""A Markdown sentence is quoted as the file writes it (index/source_quote.py), while its indexed text drops
the markup: every quote is a piece of the file, even where matching the rendered text to it goes wrong."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from docmaker import write
from index_helpers import LANGUAGES

from index.chunk import document_sentences
from index.load import load_document
from index.source_quote import SourceMap


def _norm(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("source, rendered, quote", [
    ("The **2.0 release** adds [PostgreSQL](https://www.postgresql.org/docs/16/ \"docs\") 16.",
     "The 2.0 release adds PostgreSQL 16.",
     "The **2.0 release** adds [PostgreSQL](https://www.postgresql.org/docs/16/ \"docs\") 16."),
    ("Imports are *forty percent* faster\n> than in 1.9 &amp; exports unchanged.",
     "Imports are forty percent faster than in 1.9 & exports unchanged.",
     "Imports are *forty percent* faster > than in 1.9 &amp; exports unchanged."),
    ("Builds move to the **ftp\\-mirror** server; run `make  all` first.",
     "Builds move to the ftp-mirror server; run make  all first.",
     "Builds move to the **ftp\\-mirror** server; run `make all` first."),
    ("See [the docs](https://x.org/a.html).", "See the docs.", "See [the docs](https://x.org/a.html)."),
    ("**Bold start** and <b>tagged</b> end.", "Bold start and tagged end.", "**Bold start** and <b>tagged</b> end."),
    ("An image ![a red dot](dot.png \"Dot\") here.", "An image a red dot here.",
     "An image ![a red dot](dot.png \"Dot\") here."),
])
def test_the_quote_is_the_files_text_of_the_sentence(source: str, rendered: str, quote: str) -> None:
    assert SourceMap(rendered, source).quote(0, len(rendered)) == quote


def test_each_sentence_of_a_paragraph_gets_its_own_stretch_of_the_source() -> None:
    source = "First **one**. Then [two](http://x.org/two.html). Last *three*."
    rendered = "First one. Then two. Last three."
    spans = [(0, 10), (11, 20), (21, len(rendered))]
    quotes = [SourceMap(rendered, source).quote(s, e) for s, e in spans]
    assert quotes == ["First **one**.", "Then [two](http://x.org/two.html).", "Last *three*."]


def test_a_quote_is_always_a_piece_of_the_source_even_when_matching_fails() -> None:
    """Rendered text that is not the source's (an entity's character, another order, random text): the
    quote may be off, but it is never text the file does not hold."""
    rng = random.Random(7)
    alphabet = "ab *_[]()<>&;#\n`!\\©"
    for _ in range(300):
        source = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
        rendered = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        mapping = SourceMap(rendered, source)
        for _ in range(5):
            start = rng.randint(0, len(rendered))
            end = rng.randint(start, len(rendered))
            assert _norm(mapping.quote(start, end)) in _norm(source)


def test_matching_stays_linear_on_hostile_text() -> None:
    """Each rendered character is looked for a bounded way ahead: a paragraph whose spaces are never found
    in its source takes time in proportion to its length (an unbounded search scanned the rest of the
    source for each of them: quadratic)."""
    def seconds(n: int) -> float:
        source, rendered = "a" * n, "a " * (n // 2)
        best = float("inf")
        for _ in range(3):
            began = time.perf_counter()
            SourceMap(rendered, source).quote(0, n)
            best = min(best, time.perf_counter() - began)
        return best

    small, large = seconds(5_000), seconds(20_000)
    assert large < 10 * small + 0.05, (small, large)


def test_loaded_markdown_keeps_the_marked_up_text_for_quotes_and_only_there(tmp_path: Path) -> None:
    body = ("# Notes\n\nThe **2.0 release** adds [PostgreSQL](https://pg.example/16) 16. Plain words end here.\n\n"
            "The kept \x1b[31mred\x1b[0m text stays *clean*.\n\n| Tool | Fee |\n| --- | --- |\n| Saw | 3 EUR |\n")
    doc = load_document(write(tmp_path / "notes.md", body), tmp_path, LANGUAGES)
    records = document_sentences(doc)
    by_text = {r.text: r.quote for r in records}
    assert by_text == {
        "The 2.0 release adds PostgreSQL 16.": "The **2.0 release** adds [PostgreSQL](https://pg.example/16) 16.",
        "Plain words end here.": "",  # the same as its text: nothing stored twice
        "The kept red text stays clean.": "The kept red text stays *clean*.",  # escapes removed from both
        "Tool: Saw; Fee: 3 EUR": "",  # a table row is a record built from its cells, quoted as built
    }


def test_a_huge_markdown_paragraph_keeps_a_bounded_source(tmp_path: Path) -> None:
    """The paragraph's text is cut at MAX_PARAGRAPH_CHARS; its raw lines were kept whole (a 2.4 MB
    paragraph kept 2.4 MB per paragraph for quotes that can only come from its first 20,000 characters)."""
    from index.structured import MAX_SOURCE_CHARS

    body = "# T\n\n" + " ".join(f"**Word{i}** [is](http://x.org/{i}) here." for i in range(40_000))
    doc = load_document(write(tmp_path / "big.md", body), tmp_path, LANGUAGES)
    assert len(doc.paragraphs) == 1 and len(doc.paragraphs[0].source) <= MAX_SOURCE_CHARS < len(body)
    records = document_sentences(doc)
    assert records[-1].quote and _norm(records[-1].quote) in _norm(body)
