"""Issue 11: after retrieval, both synthesizers read sentences through one service (bot/sentence_lookup.py):
neither holds the retriever, and the LLM one gets the same translation finder as the extractive one."""

from __future__ import annotations

from bot.engine import Engine
from bot.extractive import ExtractiveSynthesizer
from bot.sentence_lookup import SentenceLookup, quote_location


def test_synthesizers_hold_the_lookup_not_the_retriever(engine: Engine) -> None:
    synth = engine.synthesizer
    assert isinstance(synth, ExtractiveSynthesizer)
    assert isinstance(synth.lookup, SentenceLookup)
    assert not any(value is engine.retriever for value in vars(synth).values())


def test_translations_and_context_come_from_the_lookup(engine: Engine) -> None:
    answer = engine.answer("Who said that training only happens a few times?")
    assert answer.answered and answer.citations[0].also_in  # the story is told in several files
    retrieval = engine.retriever.retrieve("Who said that training only happens a few times?")
    lookup = engine.synthesizer.lookup
    chosen = next(s for p in retrieval.passages for s in p.sentences if "Zacharopoulos" in s.text)
    versions = lookup.translations(chosen)
    assert versions and all(v.file != chosen.file for v in versions)
    following = lookup.following(chosen)
    assert following is not None and following.position == chosen.position + 1 and following.file == chosen.file
    assert quote_location([chosen]) == f"paragraph {chosen.paragraph}"


def test_the_llm_synthesizer_gets_the_lookup_from_the_factory(built_data_dir) -> None:
    from bot.synthesizers import make_synthesizer
    from index.retrieve import Retriever
    from tests.isolation import settings_for

    settings = settings_for(built_data_dir, llm="openai", openai_base_url="http://127.0.0.1:9/v1",
                            llm_model="m")
    synth = make_synthesizer(settings, Retriever(settings))
    assert synth._translations is not None and synth._embed is not None
    assert synth._translations.__self__ is synth.extractive.lookup


def test_every_citation_has_a_passage_beyond_its_quote(engine: Engine) -> None:
    # a quote taken from another file's version of the fact (the question's language) still gets a passage
    answer = engine.answer("What is the H20?")
    assert answer.answered
    for citation in answer.citations:
        assert len(citation.passage) > len(citation.quote) and citation.quote in citation.passage, citation
