"""Every prompt the code refers to exists, and the 'not found' reply exists in each served language."""

from __future__ import annotations

import re
from pathlib import Path

from bot.prompts import PROMPTS_DIR, REFERENCED, load_prompt, not_found_languages, not_found_message

ROOT = Path(__file__).resolve().parents[2]


def test_every_referenced_prompt_exists() -> None:
    for name in REFERENCED:
        assert load_prompt(name).strip(), name


def test_every_load_prompt_call_in_the_code_names_an_existing_file() -> None:
    called = set()
    for path in (ROOT / "bot").glob("*.py"):
        called |= set(re.findall(r"load_prompt\(\s*\"([\w.]+)\"", path.read_text(encoding="utf-8")))
    assert called, "no load_prompt calls found"
    missing = sorted(name for name in called if not (PROMPTS_DIR / f"{name}.txt").exists())
    assert not missing
    dynamic = {name for name in called if name.startswith("not_found.")}  # checked per language below
    assert called - dynamic <= set(REFERENCED), sorted(called - dynamic - set(REFERENCED))


def test_not_found_in_every_corpus_language() -> None:
    assert {"en", "id", "es", "pt"} <= set(not_found_languages())
    assert "not found" in not_found_message("en").lower()
    assert not_found_message("xx") == not_found_message("en")


def test_every_language_with_a_not_found_reply_has_a_name_for_the_llm_prompt() -> None:
    """The LLM is told the answer's language by name; a language the extractive reply speaks (a question in
    Romanian, say, now keeps its own code) must not reach the model as a bare code."""
    from bot.llm.synthesizer import LANGUAGE_NAMES

    assert set(not_found_languages()) <= set(LANGUAGE_NAMES)
