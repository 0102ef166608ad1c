"""An e-mail or web address is a term for what it is: "What is their email?" shares no word with "reach the team at
pharmacy@riverside-health.example", so a user sweep's question was declined as one about words no document holds."""

from __future__ import annotations

from index.lexical import LexicalIndex, address_terms, tokens

LEAFLET = [
    ("hours", "The pharmacy is open from 8:00 to 18:00 on weekdays.", "en"),
    ("contact", "You can reach the pharmacy team at pharmacy@riverside-health.example or on 020 7946 0011.", "en"),
    ("site", "Opening hours on holidays are posted on https://riverside-health.example/holidays each week.", "en"),
    ("parking", "Parking is free for the first two hours.", "en"),
]


def test_a_question_for_an_email_or_a_website_finds_the_line_holding_one() -> None:
    lexical = LexicalIndex.build(LEAFLET)
    assert lexical.search("What is their email?", 4)[0][0] == "contact"
    assert lexical.search("¿Cuál es su correo?", 4)[0][0] == "contact"
    assert lexical.search("Which website has the holiday hours?", 4)[0][0] == "site"
    assert lexical.unknown_words("And what is their email?") == []


def test_only_unmistakable_addresses_name_their_kind() -> None:
    assert address_terms("Write to info@example.org.") == ["email", "mail", "correo", "surel"]
    assert address_terms("See www.example.org for details.") == ["website", "web", "url", "sitio"]
    for plain in ("Call 020 7946 0011.", "Version 2.4.0 of 2026-11-30.", "Meet @ the station.", "example.org"):
        assert address_terms(plain) == [], plain
    assert "email" not in tokens("The pharmacy is open from 8:00.")


def test_a_long_run_without_spaces_is_read_in_linear_time() -> None:
    """Untrusted text: unbounded, the number and address patterns rescanned a run from every start (a 40,000-digit
    run took 42 s, 40,000 letters 7 s). Bounded as real numbers and addresses are, 80,000 characters take
    milliseconds; three seconds is far from both."""
    import time

    for run in ("7" * 80_000, "a" * 80_000, "1." * 40_000):
        started = time.perf_counter()
        tokens(run)
        assert time.perf_counter() - started < 3.0
