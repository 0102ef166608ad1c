"""The answer ranker: its features, its parameters file, and that the shipped parameters are the fit's."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pytest

from bot.ranker import CALIBRATION, FEATURES, MAX_CANDIDATES, PARAMS, Ranker, features, gather, question_evidence
from index.retrieve import Retrieval
from index.types import Passage, Sentence

ROOT = Path(__file__).resolve().parents[2]


def _unit(*values: float) -> np.ndarray:
    v = np.asarray(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def _sentence(position: int, text: str, vector: np.ndarray, language: str = "en", doc: str = "d1") -> Sentence:
    return Sentence(id=f"{doc}:s{position}", doc_key=doc, file=f"{doc}.{language}.txt", language=language, text=text,
                    paragraph=1, start=0, end=len(text), position=position, embedding=vector)


def _retrieval(passage_sentences: list[Sentence], hits: list[Sentence] = (), query: np.ndarray | None = None,
               question: str = "When was the Zorvath bridge finished?") -> Retrieval:
    passage = Passage(id="d1:0", file="d1.en.txt", language="en", text=" ".join(s.text for s in passage_sentences),
                      location="paragraph 1", score=0.03, dense=0.8, lexical=2.0, sentences=list(passage_sentences))
    return Retrieval([passage], query if query is not None else _unit(1, 0, 0), question, question,
                     list(hits))


def column(rows: np.ndarray, name: str) -> np.ndarray:
    return rows[:, FEATURES.index(name)]


def test_a_sentence_after_one_that_restates_the_question_carries_that_similarity() -> None:
    restating = _sentence(0, "People often ask when the Zorvath bridge was finished.", _unit(1, 0.1, 0))
    fact = _sentence(1, "Work on it ended in 1874.", _unit(0.2, 1, 0))
    other = _sentence(2, "The river floods in spring.", _unit(0, 0, 1))
    retrieval = _retrieval([restating, fact, other])
    rows = features(retrieval.query, "en", retrieval, gather(retrieval))
    assert rows.shape == (3, len(FEATURES))
    prev = column(rows, "prev_dense")
    assert prev[1] == pytest.approx(float(restating.embedding @ retrieval.query_vector), abs=1e-6)
    assert prev[1] > prev[2]
    assert column(rows, "dense_gap")[0] == 0.0 and (column(rows, "dense_gap") <= 0).all()
    lexical = column(rows, "lexical")
    assert lexical[0] > lexical[1] and column(rows, "prev_lexical")[1] == pytest.approx(lexical[0])


def test_sentence_level_hits_outside_the_passages_become_candidates_with_their_neighbours() -> None:
    inside = _sentence(0, "An unrelated opening sentence.", _unit(0, 1, 0))
    before = _sentence(7, "El puente Zorvath se terminó tarde.", _unit(1, 0.3, 0), "es", "d2")
    hit = _sentence(8, "El Zorvath se inauguró en 1874.", _unit(0.9, 0.4, 0), "es", "d2")
    retrieval = _retrieval([inside], hits=[hit])
    retrieval.context = [before]
    pool = gather(retrieval)
    assert [c.sentence.id for c in pool] == [inside.id, hit.id] and pool[1].passage is None
    rows = features(retrieval.query, "en", retrieval, pool)
    assert column(rows, "prev_dense")[1] == pytest.approx(float(before.embedding @ retrieval.query_vector), abs=1e-6)
    assert column(rows, "same_language").tolist() == [1.0, 0.0]
    assert column(rows, "sentence_rank")[1] == 0.0 and column(rows, "passage_dense")[1] == 0.0
    assert column(rows, "anchors").tolist() == [0.0, 1.0]  # the question's one name, spelled alike in Spanish


def test_other_language_hits_are_compared_within_their_language() -> None:
    """A Spanish question's best same-language sentence outscores the English one that answers (e5 favours
    the question's language); within English, the answering document is first by a margin."""
    question = "¿Cuándo se terminó el puente Zorvath?"
    query = _unit(1, 0, 0)
    spanish = _sentence(0, "El puente de Kelvar se terminó tarde.", _unit(1, 0.5, 0), "es", "d1")
    english_answer = _sentence(4, "The Zorvath bridge was finished in 1874.", _unit(1, 0.6, 0.1), "en", "d2")
    english_other = _sentence(9, "A ferry crossed the river.", _unit(1, 0.2, 1.5), "en", "d3")
    retrieval = _retrieval([spanish], query=query, question=question)
    retrieval.other_language_hits = [english_answer, english_other]
    pool = gather(retrieval)
    assert [c.sentence.id for c in pool] == [spanish.id, english_answer.id, english_other.id]
    rows = features(question, "es", retrieval, pool)
    dense = column(rows, "dense")
    assert dense[0] > dense[1] > dense[2]
    assert column(rows, "other_rank").tolist() == pytest.approx([np.log1p(30), 0.0, np.log1p(1)])
    gap = column(rows, "language_gap")
    assert gap[0] == 0.0 and gap[1] == 0.0 and gap[2] == pytest.approx(dense[2] - dense[1])
    assert column(rows, "dense_gap")[1] < 0  # against the best overall it trails the Spanish sentence
    assert column(rows, "language_doc_rank").tolist() == pytest.approx([0.0, 0.0, np.log1p(1)])
    assert column(rows, "doc_rank").tolist() == pytest.approx([0.0, np.log1p(1), np.log1p(2)])


def test_a_sentence_read_with_the_one_before_scores_the_pair() -> None:
    """pair_dense is the question's cosine with the stored pair vector; a document's first sentence (no pair) or
    one stored without pairs gets its own cosine."""
    from dataclasses import replace

    query = _unit(1, 0, 0)
    restating = _sentence(0, "Bad air was long blamed for the plague.", _unit(1, 0.3, 0))
    leaning = replace(_sentence(1, "Today this is known as the Miasma theory.", _unit(0.3, 1, 0)),
                      paired=True, pair=_unit(1, 0.5, 0))
    opening = replace(_sentence(2, "A document opens here.", _unit(0, 0.2, 1)), paired=True, pair=None)
    retrieval = _retrieval([restating, leaning, opening], query=query)
    rows = features(retrieval.query, "en", retrieval, gather(retrieval))
    pair = column(rows, "pair_dense")
    assert pair[1] == pytest.approx(float(leaning.pair @ query), abs=1e-6) and pair[1] > column(rows, "dense")[1]
    assert pair[0] == pytest.approx(column(rows, "dense")[0]) and pair[2] == pytest.approx(column(rows, "dense")[2])


def test_candidates_stored_without_pairs_are_scored_by_the_model_fitted_without_them() -> None:
    """An index built before sentence pairs (or with CITEBOT_SENTENCE_PAIRS=false) has no pair vectors: its
    candidates must not be scored by weights that expect them."""
    from dataclasses import replace

    from bot.ranker import PAIR_FEATURES, UNPAIRED, Candidate

    ranker = Ranker.load()
    assert ranker.unpaired is not None and ranker.unpaired.features == UNPAIRED
    assert set(PAIR_FEATURES) <= set(ranker.features) and not set(PAIR_FEATURES) & set(UNPAIRED)
    paired = [Candidate(replace(_sentence(i, "x", _unit(1, 0, 0)), paired=True), None) for i in range(3)]
    assert ranker.for_pool(paired) is ranker
    mixed = [*paired, Candidate(_sentence(9, "y", _unit(1, 0, 0)), None)]
    assert ranker.for_pool(mixed) is ranker.unpaired
    rows = np.random.default_rng(0).normal(size=(4, len(FEATURES)))
    changed = rows.copy()
    changed[:, FEATURES.index("pair_dense")] += 1.0
    assert np.allclose(ranker.unpaired.logits(rows), ranker.unpaired.logits(changed))
    assert not np.allclose(ranker.logits(rows), ranker.logits(changed))
    pair_weight = ranker.weights[ranker.features.index("pair_dense")]
    assert pair_weight > 0  # fitted: a pair that matches the question is evidence the sentence answers


def _rows_with_dense(dense: list[float]) -> np.ndarray:
    rows = np.zeros((len(dense), len(FEATURES)))
    rows[:, FEATURES.index("dense")] = dense
    return rows


def test_question_evidence_is_the_probability_mass_of_the_candidates_training_keeps() -> None:
    one_likely = np.array([2.0, -6.0, -6.0])
    three_likely = np.array([2.0, 2.0, 2.0])
    rows = _rows_with_dense([0.9, 0.8, 0.7])
    assert question_evidence(three_likely, rows)[0] > question_evidence(one_likely, rows)[0]
    # only the MAX_CANDIDATES closest by dense count, as train/candidates.py keeps them: a likely candidate
    # further down changes nothing
    n = MAX_CANDIDATES + 1
    rows = _rows_with_dense(list(np.linspace(0.9, 0.5, n)))
    logits = np.full(n, -4.0)
    far = logits.copy()
    far[-1] = 5.0
    assert question_evidence(far, rows)[0] == question_evidence(logits, rows)[0]
    assert np.isfinite(question_evidence(np.zeros(0), np.zeros((0, len(FEATURES))))).all()


def test_the_calibrated_probability_reads_the_mass_of_the_candidates() -> None:
    ranker = Ranker.load()
    assert ranker.calibration["inputs"] == list(CALIBRATION) and "mass" in CALIBRATION
    row = np.zeros(len(FEATURES))
    row[FEATURES.index("best_dense")] = 0.85  # a plausible lead, not one the calibrator saturates on
    row[FEATURES.index("best_lexical")] = 0.5
    rows = _rows_with_dense([0.9, 0.8, 0.7, 0.6])
    alone = ranker.confidence(1.0, row, question_evidence(np.array([1.0, -8.0, -8.0, -8.0]), rows), 0.3)
    backed = ranker.confidence(1.0, row, question_evidence(np.array([1.0, 1.0, 1.0, 1.0]), rows), 0.3)
    assert backed > alone  # the fitted weight: several likely sentences are evidence the documents are about it


def test_the_calibrated_probability_reads_how_much_of_the_question_the_leads_latent_terms_cover() -> None:
    """The same lead, similarity and evidence: a lead whose own latent-term code covers little of the question's
    (a sentence on the subject that does not answer it, index/latent_terms.py) is less likely an answer."""
    ranker = Ranker.load()
    assert CALIBRATION[-1] == "latent_cover"
    rows = _rows_with_dense([0.85, 0.8, 0.7])
    evidence = question_evidence(np.array([0.5, -2.0, -4.0]), rows)
    lead = np.zeros(len(FEATURES))
    # between the two kinds' typical best similarity (training's medians: 0.88 answered, 0.80 not; 0.85 once was
    # between, before vectors lost their language component), where the calibrator is not saturated
    lead[FEATURES.index("best_dense")] = 0.82
    covers = [ranker.confidence(0.5, lead, evidence, cover) for cover in (0.1, 0.25, 0.4)]
    assert covers == sorted(covers) and covers[2] - covers[0] > 0.15


def test_the_calibrated_probability_reads_whether_the_lead_is_in_the_questions_language() -> None:
    """e5 scores a sentence in the question's language higher than its translation, so a lead in another
    language with the same similarity is stronger evidence; without this input the calibrator declined 10 of
    152 cross-language questions on xquad-dev against 3 of 315 same-language ones (docs/answer-quality.md)."""
    ranker = Ranker.load()
    assert "same_language" in CALIBRATION
    rows = _rows_with_dense([0.85, 0.8, 0.7])
    evidence = question_evidence(np.array([0.5, -2.0, -4.0]), rows)
    lead = np.zeros(len(FEATURES))
    lead[FEATURES.index("best_dense")] = 0.85
    other_language = ranker.confidence(0.5, lead, evidence, 0.3)
    lead[FEATURES.index("same_language")] = 1.0
    assert ranker.confidence(0.5, lead, evidence, 0.3) < other_language


def test_the_shipped_parameters_load_and_match_this_code() -> None:
    ranker = Ranker.load()
    assert ranker.features == FEATURES and len(ranker.weights) == len(FEATURES)
    assert 0.0 < ranker.threshold < 1.0 and 0.0 < ranker.follow <= 1.0


def test_parameters_for_other_features_are_refused(tmp_path: Path) -> None:
    data = json.loads(PARAMS.read_text())
    data["features"] = data["features"][:-1]
    (tmp_path / "p.json").write_text(json.dumps(data))
    with pytest.raises(ValueError, match="other features"):
        Ranker.load(tmp_path / "p.json")
    data = json.loads(PARAMS.read_text())
    data["calibration"]["inputs"] = data["calibration"]["inputs"][:-1]
    (tmp_path / "c.json").write_text(json.dumps(data))
    with pytest.raises(ValueError, match="other features"):
        Ranker.load(tmp_path / "c.json")


def test_a_fold_fit_without_the_unpaired_model_serves_paired_pools_and_refuses_unpaired_ones(tmp_path) -> None:
    """train/heldout.py fits its folds without the unpaired model ("unpaired": null, half the time): such a file
    loads and scores an index with sentence pairs, and says so rather than scoring sentences without pairs with
    weights that expect them."""
    from dataclasses import replace

    from bot.ranker import Candidate

    data = json.loads(PARAMS.read_text())
    data["unpaired"] = None
    (tmp_path / "fold.json").write_text(json.dumps(data))
    ranker = Ranker.load(tmp_path / "fold.json")
    paired = [Candidate(replace(_sentence(i, "x", _unit(1, 0, 0)), paired=True), None) for i in range(3)]
    assert ranker.unpaired is None and ranker.for_pool(paired) is ranker
    with pytest.raises(ValueError, match="sentence pairs"):
        ranker.for_pool([*paired, Candidate(_sentence(9, "y", _unit(1, 0, 0)), None)])
    del data["unpaired"]  # a missing model is still a file of another version
    (tmp_path / "old.json").write_text(json.dumps(data))
    with pytest.raises(ValueError, match="other features"):
        Ranker.load(tmp_path / "old.json")


def test_parameters_are_written_without_negative_zeros() -> None:
    """A mean of ~1e-8 rounds to a zero whose sign depends on the CPU's summation order: an AVX-512 machine
    wrote -0.0 where the others wrote 0.0, and `train.fit --check` failed there on unchanged inputs."""
    import math

    from train.fit import _rounded

    assert [math.copysign(1.0, v) for v in _rounded(np.array([-1e-8, 1e-8, -0.0]))] == [1.0, 1.0, 1.0]
    assert "-0.0," not in PARAMS.read_text(encoding="utf-8")


def test_shipped_parameters_are_what_the_fit_wrote_from_todays_inputs() -> None:
    """The fit's record (train/fit_record.json, written with the parameters) names today's features, fit code and
    answer bounds, and the shipped parameters are what it wrote. A refit takes ~35 s; `python -m train.fit --check`
    does it."""
    from train.fit import RECORD_FILE, fit_inputs

    record = json.loads(RECORD_FILE.read_text(encoding="utf-8"))
    changed = [k for k, v in fit_inputs().items() if record["inputs"].get(k) != v]
    assert not changed, f"{', '.join(changed)} changed since the fit: re-run `python -m train.fit`"
    shipped = hashlib.sha256(PARAMS.read_bytes()).hexdigest()
    assert record["output"]["bot/ranker_params.json"] == shipped, "bot/ranker_params.json is not what the fit wrote"


def test_the_fit_record_notices_an_edit_to_any_input(tmp_path: Path) -> None:
    from train.fit import FEATURES_FILE, fit_inputs

    copy = tmp_path / "features.npz"
    copy.write_bytes(FEATURES_FILE.read_bytes() + b"\0")
    before, after = fit_inputs(), fit_inputs(copy)
    assert [k for k in before if before[k] != after[k]] == ["train/features.npz"]


ZORVATH = (
    "The Zorvath bridge crosses the Melk river at the old ferry landing. "
    "Its stone arches were cut from a quarry upstream.\n\n"
    "When the Zorvath bridge was finally completed is a question local historians have argued about for decades. "
    "The town council finished the works in 1874, after nine years of floods and strikes.\n\n"
    "The bridge carried horse-drawn carts until the tramway arrived. "
    "Today only pedestrians and bicycles may cross it.\n"
)
OTHER = """Melk cheese is a soft cheese made from sheep's milk. It ripens for six weeks in caves near the river.

Farmers sell it at the Saturday market, where it is wrapped in chestnut leaves.
"""


def _restating_engine(root: Path, **overrides):
    """An engine over a two-file corpus in which a sentence restates a question and the next one answers it."""
    from bot.engine import Engine
    from index.ingest import build_index
    from tests.isolation import settings_for

    (root / "corpus").mkdir()
    (root / "corpus" / "zorvath.txt").write_text(ZORVATH, encoding="utf-8")
    (root / "corpus" / "cheese.txt").write_text(OTHER, encoding="utf-8")
    settings = settings_for(root / "data", root / "corpus", **overrides)
    build_index(settings)
    return Engine(settings, build_if_missing=False)


@pytest.fixture(scope="module")
def small_engine(tmp_path_factory: pytest.TempPathFactory):
    return _restating_engine(tmp_path_factory.mktemp("restating"))


@pytest.fixture(scope="module")
def unpaired_engine(tmp_path_factory: pytest.TempPathFactory):
    """The same corpus indexed without sentence pairs (as an index built before them)."""
    return _restating_engine(tmp_path_factory.mktemp("restating-unpaired"), sentence_pairs=False)


@pytest.mark.parametrize("engine_name", ["small_engine", "unpaired_engine"])
def test_an_answer_reaches_the_fact_after_a_sentence_that_restates_the_question(engine_name: str, request) -> None:
    engine = request.getfixturevalue(engine_name)
    answer = engine.answer("When was the Zorvath bridge completed?")
    assert answer.answered
    assert "1874" in answer.text, answer.text
    assert len(answer.citations[0].quote) <= 300 and answer.citations[0].file == "zorvath.txt"


def test_the_unpaired_index_is_answered_by_the_unpaired_model(unpaired_engine, small_engine) -> None:
    question = "When was the Zorvath bridge completed?"
    for engine, paired in ((small_engine, True), (unpaired_engine, False)):
        retrieval = engine.retriever.retrieve(question, language="en")
        synthesizer = engine.synthesizer
        model = synthesizer.ranked(question, "en", retrieval).model
        assert (model is synthesizer.ranker) == paired


def test_an_off_topic_question_is_declined_by_the_calibrated_probability(small_engine) -> None:
    answer = small_engine.answer("Who won the 1998 football world cup?")
    assert not answer.answered and answer.citations == []


def test_the_threshold_is_read_off_confidences_from_calibrators_that_never_saw_the_question() -> None:
    """train/fit.py picks the abstention threshold on out-of-fold confidences: a question's confidence comes
    from a calibrator fitted without its article, so its own label cannot move it (in-sample, the curve was
    optimistic: 3% false declines out of fold, 3.4-4.1% held out)."""
    from train.fit import CALIBRATION as FIT_INPUTS
    from train.fit import Data, folds_of, out_of_fold_confidence

    rng = np.random.default_rng(0)
    n = 80
    questions = [{"article": f"article{i % 8}", "kind": "same"} for i in range(n)]
    data = Data(np.zeros((0, 1)), np.zeros(0), np.zeros(0, dtype=int), np.zeros(0), np.zeros(0), np.zeros(0),
                questions, ("x",), "")
    inputs = rng.normal(size=(n, len(FIT_INPUTS)))
    answerable = inputs[:, 0] + rng.normal(scale=1.0, size=n) > 0
    before = out_of_fold_confidence(data, inputs, answerable)
    flipped = answerable.copy()
    flipped[5] = not flipped[5]
    after = out_of_fold_confidence(data, inputs, flipped)
    fold = folds_of(questions)
    same_fold = np.asarray([fold[q["article"]] == fold[questions[5]["article"]] for q in questions])
    assert after[5] == before[5]
    assert np.allclose(after[same_fold], before[same_fold])  # its fold's calibrator never saw it
    assert not np.allclose(after[~same_fold], before[~same_fold])  # the other folds' calibrators did


def _one_question(chars: list[int], facts: list[bool], twins: list[tuple[int, int]]):
    from train.fit import FEATURES_FILE, Data, load

    names = load(FEATURES_FILE).features
    n = len(chars)
    return Data(np.zeros((n, len(names))), np.asarray(facts, dtype=float), np.zeros(n, dtype=int), np.zeros(n),
                np.arange(n), np.asarray(chars), [{"article": "a", "kind": "same"}], names, "",
                np.asarray(twins, dtype=np.int64).reshape(-1, 2), np.arange(n) / 10)


def test_the_fits_simulated_answer_skips_a_translation_of_a_chosen_sentence() -> None:
    """The engine quotes a fact once and lists the other files telling it in also_in; the fit's simulation of
    the answer (which picks the follow share) used to keep the translation as a second sentence, so it counted
    a sentence the engine never quotes and missed the one it does quote next."""
    from train.fit import answers

    data = _one_question([100, 100, 100, 100], [False, False, False, True], [(0, 1)])
    logits = np.asarray([3.0, 2.9, 2.8, 2.7])  # choice probabilities ~0.29, 0.26, 0.24, 0.21: all four would join
    result = answers(data, logits, logits, follow=0.05)[0]
    assert result["fact"]  # lead, the third and the fourth: three sentences, none a translation of another
    assert result["chars"] == 302


def test_a_subset_of_the_rows_keeps_its_twins_renumbered() -> None:
    data = _one_question([10] * 5, [False] * 5, [(0, 1), (2, 4), (1, 3)])
    sub = data.subset(np.asarray([True, False, True, True, True]), data.questions, np.zeros(4, dtype=int))
    assert sub.twins.tolist() == [[1, 3]]  # (2, 4) renumbered; pairs with the dropped row 1 are gone
    assert sub.chars.tolist() == [10] * 4
    assert sub.latent.tolist() == [0.0, 0.2, 0.3, 0.4]  # each kept row's latent-term cover goes with it


def test_the_features_say_how_big_the_corpus_is_and_whether_it_has_the_questions_language(small_engine) -> None:
    """One file or thousands, and documents in the question's language or not, change what the abstention
    evidence means (most words of a question are unknown to one small file, or to documents in another
    language); the calibrator reads both (CALIBRATION)."""
    from bot.ranker import CORPUS_SIZE_CAP

    assert {"corpus_size", "language_indexed"} <= set(CALIBRATION)
    sentences = sum(entry.sentences for entry in small_engine.retriever._snapshot.manifest.files.values())
    for question, language, indexed in (("When was the Zorvath bridge completed?", "en", 1.0),
                                        ("¿Cuándo se terminó el puente Zorvath?", "es", 0.0)):
        retrieval = small_engine.retriever.retrieve(question, language=language)
        assert retrieval.indexed_sentences == sentences and retrieval.indexed_languages == ("en",)
        rows = features(question, language, retrieval, gather(retrieval))
        assert np.allclose(column(rows, "corpus_size"), math.log(min(sentences, CORPUS_SIZE_CAP)))
        assert np.all(column(rows, "language_indexed") == indexed)


def test_unknown_words_alone_do_not_decline_the_calibrator_decides(small_engine, monkeypatch) -> None:
    """"No word of the question occurs in any document" declined outright whenever some document was in the
    question's language; in a folder of several languages the answer may sit in a document in another one
    (a Portuguese question about an English report, with one Portuguese file beside it: the user sweep of
    2026-12-03), so the rule declined answerable questions. Held out on xquad-dev, dropping it moved
    cross-language facts 0.809 -> 0.836 and false declines 0.028 -> 0.019 with the same absent-article
    declines (0.857): the calibrator, which reads the unknown-word share, declined those anyway."""
    synth = small_engine.synthesizer
    row = np.zeros(len(FEATURES))
    row[FEATURES.index("unknown_words")] = 1.0
    row[FEATURES.index("language_indexed")] = 1.0
    from bot.extractive import Ranked
    from bot.ranker import Candidate

    best = Candidate(_sentence(0, "Text.", _unit(1, 0, 0)), None)
    ranked = Ranked([best], row[None, :], np.ones(1), 0.0, row, np.zeros(1), synth.ranker, best)
    monkeypatch.setattr(synth.lookup, "latent_cover", lambda question, sentence: 0.5)
    monkeypatch.setattr(Ranker, "confidence", lambda *a: 1.0)
    assert synth.relevant("Como funciona?", ranked)
    monkeypatch.setattr(Ranker, "confidence", lambda *a: 0.0)
    assert not synth.relevant("Como funciona?", ranked)


@pytest.mark.parametrize("question, kind", [
    ("When was the Zorvath bridge completed?", "number"),
    ("¿Cuántos arcos tiene el puente?", "number"),
    ("Who built the bridge?", "person"),
    ("Where does the Melk river rise?", "person"),  # a place: answered by a name, like a person
    ("¿Dónde se vende el queso?", "person"),
    ("Onde fica a ponte?", "person"),
    ("Di mana jembatan itu?", "person"),
    ("Why did the tramway stop?", None),
])
def test_the_answer_type_asked_for(question: str, kind: str | None) -> None:
    """A question asking when or how many wants a number; who, or (since the sixth session) where, a name:
    a lead that only restates it is followed by the next sentence when that one holds the thing asked for
    (held out on xquad-dev, adding "where": facts 0.846 -> 0.852, cross-language 0.796 -> 0.809)."""
    from bot.ranker import asked_type

    assert asked_type(question) == kind


def test_a_further_sentence_joins_by_its_probability_per_character() -> None:
    """The answer grows while the choice model is unsure: a lead it is sure of stands alone; two candidates it
    cannot tell apart are both quoted, the shorter more readily (ninth session: out of fold, 0.869 -> 0.890 facts
    at the same median length as a share of the lead's probability)."""
    from train.fit import answers

    data = _one_question([100, 100, 400], [False, True, False], [])
    sure = answers(data, np.zeros(3), np.asarray([6.0, 1.0, 0.0]), follow=0.1)[0]
    assert not sure["fact"] and sure["chars"] == 100  # p(lead) ~0.99: one sentence
    unsure = answers(data, np.zeros(3), np.asarray([1.0, 0.9, 0.8]), follow=0.1)[0]
    assert unsure["fact"] and unsure["chars"] == 201  # p ~0.37, 0.33, 0.30: the 400-character one would need 0.4
    assert unsure["lead_fact"] is False


def test_the_choice_model_learns_what_tells_a_questions_candidates_apart() -> None:
    """The conditional logit is fitted on the choice within each question: a feature that only says how easy the
    question is (the same for all its candidates) gets no weight, however it correlates with the labels, while
    the logistic regression, fitted on "holds the fact" across questions, weighs it."""
    from train.fit import conditional_logistic, logistic

    rng = np.random.default_rng(0)
    questions, per = 400, 6
    q = np.repeat(np.arange(questions), per)
    easy = np.repeat(rng.normal(size=questions), per)  # question-level
    telling = rng.normal(size=questions * per)
    y = np.zeros(questions * per)
    for i in range(questions):
        rows = slice(i * per, (i + 1) * per)
        if easy[i * per] > -0.5:  # easy questions have their fact among the candidates
            y[i * per + int(np.argmax(telling[rows]))] = 1.0
    X = np.column_stack([easy, telling])
    choice = conditional_logistic(X, y, q)
    pointwise, _ = logistic(X, y)
    assert abs(choice[0]) < 1e-6 and choice[1] > 1.0
    assert pointwise[0] > 0.3


def test_the_choice_probabilities_are_a_distribution_over_the_candidates_training_keeps(small_engine) -> None:
    from bot.ranker import kept_rows

    question = "When was the Zorvath bridge completed?"
    retrieval = small_engine.retriever.retrieve(question, language="en")
    ranked = small_engine.synthesizer.ranked(question, "en", retrieval)
    keep = kept_rows(ranked.rows)
    assert ranked.probabilities[keep].sum() == pytest.approx(1.0)
    assert (np.diff(ranked.probabilities) <= 0).all()  # quoting order: the choice model's
    logits = ranked.model.logits(ranked.rows)
    assert ranked.best_logit == pytest.approx(float(logits.max()))  # abstention: the logistic model's best


def test_the_follow_bar_keeps_the_median_answer_in_bounds_at_every_corpus_size() -> None:
    """The bar for further sentences is picked so that the out-of-fold median answer stays within MEDIAN_CHARS
    at every corpus size trained, not only over all of them: one-file answers run longer (their leads are less
    sure), and with the bound over all sizes together the one-file median reached 304 characters held out."""
    from train.fit import MEDIAN_CHARS

    params = json.loads(PARAMS.read_text(encoding="utf-8"))
    for model in (params, params["unpaired"]):
        assert model["out_of_fold"]["median_chars"] <= MEDIAN_CHARS
    by_size = params["out_of_fold_by_articles_indexed"]
    assert len(by_size) >= 5 and all(figures["median_chars"] <= MEDIAN_CHARS for figures in by_size.values())


def test_a_gapped_training_file_is_its_article_without_one_paragraph(tmp_path: Path) -> None:
    """`train.corpus --gapped` (an experiment, docs/answer-quality.md): the file asked a paragraph's questions lacks
    that paragraph and nothing else, and a configuration uses it in place of the whole article."""
    from train.candidates import files_of
    from train.corpus import RAW, load_raw, slug, write_corpus

    written = {p.name for p in write_corpus(tmp_path, languages=("en",), gapped=True)}
    article = load_raw("en", RAW)[0]
    name = slug(article["title"])
    assert {f"{name}.en.txt", f"{name}.gap1.en.txt"} <= written
    paragraphs = (tmp_path / f"{name}.gap1.en.txt").read_text(encoding="utf-8").split("\n\n")
    contexts = [p["context"].strip() for p in article["paragraphs"]]
    assert [p.strip() for p in paragraphs] == contexts[:1] + contexts[2:]
    assert files_of({name: "both", "other": "en"}, {name: 1}) == {f"{name}.gap1.en.txt", f"{name}.gap1.es.txt",
                                                                  "other.en.txt"}


def test_gapped_questions_are_unanswerable_but_not_counted_as_absent_articles() -> None:
    from train.fit import curve, summary

    results = [{"kind": k, "fact": True, "chars": 100} for k in ("same", "cross", "absent", "gapped", "gapped")]
    declined = np.asarray([False, False, True, False, True])
    figures = summary(results, declined)
    assert (figures["false_declines"], figures["declined_absent"], figures["declined_gapped"]) == (0.0, 1.0, 0.5)
    point = curve(np.asarray([0.9, 0.1, 0.9, 0.1]), np.asarray([True, False, False, False]),
                  np.asarray([False, True, False, False]))[50]  # threshold 0.5
    assert (point["false_declines"], point["declined_absent"], point["declined_gapped"]) == (0.0, 1.0, 0.5)
