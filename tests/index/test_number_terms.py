"""Numbers written with separators (versions, ISO dates, times, grouped numbers) are terms of their own.

`\\w+` splits "2.4.0" into 2, 4 and 0, which "Apache License 2.0, version 4" also holds: in a sweep of a
technical folder (release notes beside a README) the question about release 2.4.0 was answered with the
licence line. The whole number is one more BM25 term and one more anchor, so the line that spells it wins,
while a date asked as "30 November 2026" still meets "2026-11-30" by its parts."""

from __future__ import annotations

from bot.ranker import anchors
from index.lexical import LexicalIndex, number_groups, tokens

RELEASE_NOTES = [
    ("licence", "Apache License 2.0, version 4.", "en"),
    ("release", "Release 2.4.0 adds resumable uploads and fixes the proxy timeout on slow networks.", "en"),
    ("install", "Install the client with pip and set the server address in the settings file.", "en"),
    ("support", "Questions go to the support desk, which answers within two working days.", "en"),
]


def test_a_version_number_is_one_term_so_the_line_that_spells_it_ranks_first() -> None:
    lexical = LexicalIndex.build(RELEASE_NOTES)
    found = lexical.search("What changed in 2.4.0?", 4)
    assert found[0][0] == "release", found


def test_number_groups_keep_versions_dates_times_and_read_a_comma_as_a_point() -> None:
    text = "On 2026-11-30 at 9:00, 1,000 users moved from v2.4.0 to 2.5; el 30/11/2026 fueron 1.000."
    assert number_groups(text) == ["2026-11-30", "9:00", "1.000", "2.4.0", "2.5", "30/11/2026", "1.000"]
    assert {"2.4.0", "4", "0"} <= set(tokens("v2.4.0"))  # whole and by its digit runs


def test_anchors_tell_a_version_from_a_licence_and_still_meet_a_date_by_its_parts() -> None:
    asked = anchors("What changed in release 2.4.0?")
    right = anchors("Release 2.4.0 adds resumable uploads.")
    licence = anchors("Licensed under the Apache License 2.0, version 4.")
    assert len(asked & right) / len(asked) == 1.0
    assert len(asked & licence) / len(asked) < 1.0  # was 1.0, as for the right line: 2, 4 and 0 all spelled
    assert {"2026", "30"} <= anchors("What happened on 30 November 2026?") & anchors("On 2026-11-30 it shipped.")
    assert "1.000" in anchors("It sold 1,000 copies.") & anchors("Vendió 1.000 copias.")
