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


def _sentence(text: str, file: str, language: str, vector, position: int = 0):
    import numpy as np

    from index.types import Sentence

    v = np.asarray(vector, dtype=np.float32)
    return Sentence(id=f"{file}:s{position}", doc_key=file, file=file, language=language, text=text, paragraph=1,
                    start=0, end=len(text), position=position, embedding=v / np.linalg.norm(v))


def _at(cosine: float) -> tuple[float, float]:
    return cosine, (1 - cosine ** 2) ** 0.5


def test_a_version_in_another_file_is_a_translation_or_a_near_copy() -> None:
    """A user's release notes and README (sweep of 2026-12-03): an unrelated README line, "An example
    ferrule.toml:", was listed in `also_in` as a version of a deprecation notice: e5 puts related but different
    sentences of one language at 0.88-0.90, above the 0.88 that finds translations (a translation sits at ~0.90),
    and near copies at 0.98-1.0."""
    from bot.sentence_lookup import same_fact, version_of

    lead = _sentence("- Deprecated: the old queue setting.", "notes.txt", "en", (1.0, 0.0))
    nxt = _sentence("Use the database setting instead; it accepts the same forms.", "notes.txt", "en", _at(0.90), 1)
    other = _sentence("An example ferrule.toml:", "README.md", "en", _at(0.90))
    copy = _sentence("- Deprecated: the old queue setting!", "old/notes.txt", "en", _at(0.99))
    spanish = _sentence("- Obsoleta: la antigua opción de la cola.", "notas.txt", "es", _at(0.90))
    assert same_fact(lead, other) and not version_of(lead, other)  # one language, merely related
    assert not version_of(lead, nxt)  # one file
    assert version_of(lead, copy)  # one language, a near copy in another file
    assert version_of(lead, spanish)  # a translation


def test_a_sentence_without_numbers_is_not_the_same_fact_as_one_with_them() -> None:
    """A clinic guide (sweep of 2026-12-03): "Aos domingos e feriados a clínica está fechada." (cosine 0.90 to the
    sentence before) was taken for the same fact as the opening hours "... aos sábados das 9h00 às 13h00.", so the
    hours asked for were dropped from the answer as a restatement. A translation keeps its numbers."""
    from bot.sentence_lookup import same_fact

    hours = _sentence("A clínica está aberta de segunda a sexta-feira, das 8h00 às 20h00, e aos sábados das 9h00 às "
                      "13h00.", "clinica.txt", "pt", (1.0, 0.0))
    closed = _sentence("Aos domingos e feriados a clínica está fechada, mesmo em agosto.", "clinica.txt", "pt",
                       _at(0.90), 1)
    english = _sentence("The clinic is open Monday to Friday, 8h00 to 20h00, and on Saturdays from 9h00 to 13h00.",
                        "clinic.txt", "en", _at(0.92))
    assert not same_fact(closed, hours) and not same_fact(hours, closed)
    assert same_fact(hours, english)  # a translation: the same numbers
