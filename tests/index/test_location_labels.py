"""A citation's location names the heading a quote sits under: as the reader sees it on the citation line, not
as a web page's h1 spells it. A user's sweep (2026-12-03) read every quote of a museum page located as
'""Salt and Steam": new exhibition on the age of the coastal steamers opens 14 June"': 87 characters with
doubled quote marks."""

from __future__ import annotations

from index.chunk import SECTION_LABEL_CHARS, location_label

HEADLINE = '"Salt and Steam": new exhibition on the age of the coastal steamers opens 14 June'


def test_a_long_headline_is_cut_at_a_word_and_loses_its_own_quote_marks() -> None:
    label = location_label((3,), None, HEADLINE)
    assert label == '"Salt and Steam: new exhibition on the age of the coastal…"'
    assert label.count('"') == 2 and len(label) <= SECTION_LABEL_CHARS + 2


def test_short_headings_and_paths_read_as_before() -> None:
    assert location_label((1,), None, "Plot fees") == '"Plot fees"'
    assert location_label((1,), None, "1.4.0 — 2026-03-02 › Fixed") == '"1.4.0 — 2026-03-02 › Fixed"'
    assert location_label((1,), 2, HEADLINE) == "page 2"  # a page says more than a heading
