"""The held-out quality floor on xquad-dev: articles and questions the tested model was not fitted on.

The xquad-dev corpus is indexed once per session (real embedder, real Chroma). Each fold of articles is
answered by the engine with ranker parameters fitted from train/features.npz without that fold's rows
(train/heldout.py, the same code as bench/xquad_cv.py), so these are cross-validated figures. Floors sit
a little under what bench/xquad_cv.py measured (docs/answer-quality.md); a failure means held-out
quality regressed. The same index checks that the store's sentence search finds the nearest sentences
(Chroma's default HNSW graph lost some of them for good).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.isolation import settings_for
from train.heldout import XQUAD

pytestmark = pytest.mark.timeout(900)

# Measured by bench/xquad_cv.py (docs/answer-quality.md, 2026-12-03, eighth session, int8 engine): facts 0.861,
# same-language 0.873, cross-language 0.836, file cited 0.968, false declines 0.019, not-in-corpus declined 0.857,
# median 271 chars (the "no word of the question is indexed" rule gone: it declined answerable cross-language
# questions; before, 0.852, 0.873, 0.809, 0.959, 0.028, 0.857, 268); fp32 engine (CPUs without VNNI): 0.859,
# 0.876, 0.822, 0.970, 0.017, 0.867, 275. Each floor leaves room for a few questions of noise (the per-fold
# figures vary by up to 0.09): 3 points of facts is 14 questions, 3.2 points of cross-language facts 7, 3.7
# points of declines 4.
FLOORS = {
    "facts": 0.83,
    "same_lang": 0.84,
    "cross_lang": 0.79,
    "files": 0.94,
    "declined_unanswerable": 0.82,
}
CEILINGS = {"false_declines": 0.04, "median_chars": 300}


@pytest.fixture(scope="session")
def xquad_engine(tmp_path_factory: pytest.TempPathFactory):
    """An engine over an index of xquad-dev/corpus, built once per session."""
    from bot.engine import Engine
    from index.ingest import build_index

    data_dir: Path = tmp_path_factory.mktemp("xquad-data")
    settings = settings_for(data_dir, XQUAD / "corpus")
    build_index(settings)
    return Engine(settings, build_if_missing=False)


@pytest.fixture(scope="module")
def heldout(xquad_engine) -> dict[str, float]:
    from train.heldout import evaluate

    return evaluate(xquad_engine).summary()


@pytest.fixture(scope="module")
def single_file(xquad_engine, heldout) -> dict[str, float]:
    """Held-out figures when the corpus is one file (after `heldout`, whose fold fits it reuses)."""
    from train.heldout import evaluate_small

    return evaluate_small(xquad_engine, size=1, absent_per_group=10).summary()


# Measured by bench/xquad_small.py (docs/answer-quality.md, 2026-12-03, sixth session, int8): one file per
# corpus, facts 0.860, cross-language 0.853, file cited 0.975, false declines 0.025, other articles' questions
# declined 0.981, in this test's shorter run (10 such questions per file, 905 in all) the same figures (before
# the small training configurations: 0.576, 0.319, 0.649, 0.351, 0.999).
SINGLE_FILE_FLOORS = {"facts": 0.80, "cross_lang": 0.75, "files": 0.93, "declined_unanswerable": 0.93}
SINGLE_FILE_CEILINGS = {"false_declines": 0.06}

# The floors and ceilings of each fixture's figures.
BOUNDS = {"heldout": (FLOORS, CEILINGS), "single_file": (SINGLE_FILE_FLOORS, SINGLE_FILE_CEILINGS)}


def test_sentence_search_finds_the_nearest_sentences(xquad_engine) -> None:
    """Chroma's top 16 against an exact search over every stored sentence, for every question. With
    Chroma's default graph (16 neighbours, ef 100) 22% of the questions got another set and the nearest
    sentence was missing for 15 of 572 (bench/search_recall.py)."""
    import numpy as np

    retriever = xquad_engine.retriever
    store = retriever._snapshot.store
    stored = store._sentences.get(include=["embeddings"])
    ids, vectors = stored["ids"], np.asarray(stored["embeddings"], dtype=np.float32)
    questions = [json.loads(line)["question"] for line in (XQUAD / "questions.jsonl").read_text().splitlines()
                 if line.strip()]
    same = nearest_found = 0
    for question in questions:
        vector = retriever.embed_query(question)
        found = [row[0] for row in store.query_sentences(vector.tolist(), 16)]
        exact = [ids[i] for i in np.argsort(-(vectors @ vector))[:16]]
        same += set(found) == set(exact)
        nearest_found += exact[0] in found
    assert nearest_found == len(questions)
    # with these settings 7 and 8 of 572 differed (in the last places) in two builds; with the defaults 23 to 127
    assert same / len(questions) >= 0.96, f"{same} of {len(questions)} searches returned the exact top 16"


def test_every_question_was_asked(heldout) -> None:
    assert heldout["n"] == sum(1 for line in (XQUAD / "questions.jsonl").read_text().splitlines() if line.strip())


@pytest.mark.parametrize("figures, field", [(name, f) for name, (floors, _) in BOUNDS.items() for f in sorted(floors)])
def test_floor(figures: str, field: str, request: pytest.FixtureRequest) -> None:
    measured, floor = request.getfixturevalue(figures), BOUNDS[figures][0][field]
    assert measured[field] >= floor, f"{figures} {field} {measured[field]} < floor {floor}: {measured}"


@pytest.mark.parametrize("figures, field", [(name, f) for name, (_, ceilings) in BOUNDS.items()
                                            for f in sorted(ceilings)])
def test_ceiling(figures: str, field: str, request: pytest.FixtureRequest) -> None:
    measured, ceiling = request.getfixturevalue(figures), BOUNDS[figures][1][field]
    assert measured[field] <= ceiling, f"{figures} {field} {measured[field]} > {ceiling}: {measured}"
