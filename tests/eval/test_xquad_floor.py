"""The held-out quality floor on xquad-dev: articles and questions the tested model was not fitted on.

The xquad-dev corpus is indexed once per session (real embedder, real Chroma). Each fold of articles is
answered by the engine with ranker parameters fitted from train/features.npz without that fold's rows
(train/heldout.py, the same code as bench/xquad_cv.py; the fits are read from train/folds/ while its record is
current, train/folds.py), so these are cross-validated figures. Floors sit
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

# Fifteenth session (int8 engine, 2026-12-04, vectors without their language component, index/language_axes.py):
# facts 0.887, same-language 0.902, cross-language 0.855, file cited 0.972, false declines 0.019, not-in-corpus
# declined 0.905, median 287 (facts floor 0.85 -> 0.86, same-language 0.86 -> 0.87, declines 0.84 -> 0.86); one
# file (this test's run) 0.890, cross 0.878, files 0.976, false declines 0.024, declined 0.989 (floors: facts 0.84
# -> 0.85, cross 0.81 -> 0.83, declined 0.93 -> 0.95).
# Twelfth session (int8 engine, 2026-12-03, the latent-term cover in the calibrator): facts 0.878, same-language
# 0.886, cross-language 0.862, file cited 0.966, false declines 0.024, not-in-corpus declined 0.876 (the declines
# floor rose from 0.82 to 0.84), median 276; one file 0.879, cross 0.856, files 0.969, false declines 0.031, declined
# 0.993.
# Tenth session (int8 engine, 2026-12-03): facts 0.880, same-language 0.889, cross-language 0.862, file cited 0.970,
# false declines 0.019, not-in-corpus declined 0.857, median 276; one file 0.883, cross 0.859, files 0.976, false
# declines 0.024, declined 0.981.
# Measured by bench/xquad_cv.py (docs/answer-quality.md, 2026-12-03, ninth session, fp32 engine): facts 0.882,
# same-language 0.895, cross-language 0.855, file cited 0.972, false declines 0.017, not-in-corpus declined 0.867,
# median 276 chars (a conditional logit chooses the quotes, further sentences join by probability per character;
# eighth session the same day: 0.859, 0.876, 0.822, 0.970, 0.017, 0.867, 275; its int8 engine 0.861, 0.873, 0.836,
# 0.968, 0.019, 0.857, 271). Each floor leaves room for a few questions of noise (the per-fold figures vary by up
# to 0.09) and for the int8 engine: 3.2 points of facts is 15 questions, 3.5 points of cross-language facts 8, 4.7
# points of declines 5.
FLOORS = {
    "facts": 0.86,
    "same_lang": 0.87,
    "cross_lang": 0.82,
    "files": 0.94,
    "declined_unanswerable": 0.86,
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


# Measured by bench/xquad_small.py (docs/answer-quality.md, 2026-12-03, ninth session, fp32): one file per corpus,
# facts 0.880, cross-language 0.863, file cited 0.973, false declines 0.027, other articles' questions declined
# 0.982 (sixth session, int8: 0.860, 0.853, 0.975, 0.025, 0.981, the same in this test's shorter run, 10 such
# questions per file, 905 in all; before the small training configurations: 0.576, 0.319, 0.649, 0.351, 0.999).
SINGLE_FILE_FLOORS = {"facts": 0.85, "cross_lang": 0.83, "files": 0.94, "declined_unanswerable": 0.95}
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
